namespace VbiOrleans.DataMatrix;

/// <summary>ECC 200 module placement ("utah" shapes and the four corner cases).</summary>
internal sealed class Placement
{
    private readonly int _rows;
    private readonly int _cols;
    private readonly int[] _cells; // 0 = unset, 1 = fixed dark, 2 = fixed light, >= 10: codeword*10 + bit(1..8)

    private Placement(int rows, int cols)
    {
        _rows = rows;
        _cols = cols;
        _cells = new int[rows * cols];
    }

    public static bool[,] Place(byte[] codewords, int rows, int cols)
    {
        var p = new Placement(rows, cols);
        p.Run();
        var result = new bool[rows, cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                int v = p._cells[(r * cols) + c];
                if (v == 1)
                {
                    result[r, c] = true;
                }
                else if (v >= 10)
                {
                    int chr = (v / 10) - 1;
                    int bit = v % 10;
                    result[r, c] = ((codewords[chr] >> (8 - bit)) & 1) == 1;
                }
            }
        }

        return result;
    }

    private void Module(int row, int col, int chr, int bit)
    {
        if (row < 0)
        {
            row += _rows;
            col += 4 - ((_rows + 4) % 8);
        }

        if (col < 0)
        {
            col += _cols;
            row += 4 - ((_cols + 4) % 8);
        }

        _cells[(row * _cols) + col] = (10 * chr) + bit;
    }

    private void Utah(int row, int col, int chr)
    {
        Module(row - 2, col - 2, chr, 1);
        Module(row - 2, col - 1, chr, 2);
        Module(row - 1, col - 2, chr, 3);
        Module(row - 1, col - 1, chr, 4);
        Module(row - 1, col, chr, 5);
        Module(row, col - 2, chr, 6);
        Module(row, col - 1, chr, 7);
        Module(row, col, chr, 8);
    }

    private void Corner1(int chr)
    {
        Module(_rows - 1, 0, chr, 1);
        Module(_rows - 1, 1, chr, 2);
        Module(_rows - 1, 2, chr, 3);
        Module(0, _cols - 2, chr, 4);
        Module(0, _cols - 1, chr, 5);
        Module(1, _cols - 1, chr, 6);
        Module(2, _cols - 1, chr, 7);
        Module(3, _cols - 1, chr, 8);
    }

    private void Corner2(int chr)
    {
        Module(_rows - 3, 0, chr, 1);
        Module(_rows - 2, 0, chr, 2);
        Module(_rows - 1, 0, chr, 3);
        Module(0, _cols - 4, chr, 4);
        Module(0, _cols - 3, chr, 5);
        Module(0, _cols - 2, chr, 6);
        Module(0, _cols - 1, chr, 7);
        Module(1, _cols - 1, chr, 8);
    }

    private void Corner3(int chr)
    {
        Module(_rows - 3, 0, chr, 1);
        Module(_rows - 2, 0, chr, 2);
        Module(_rows - 1, 0, chr, 3);
        Module(0, _cols - 2, chr, 4);
        Module(0, _cols - 1, chr, 5);
        Module(1, _cols - 1, chr, 6);
        Module(2, _cols - 1, chr, 7);
        Module(3, _cols - 1, chr, 8);
    }

    private void Corner4(int chr)
    {
        Module(_rows - 1, 0, chr, 1);
        Module(_rows - 1, _cols - 1, chr, 2);
        Module(0, _cols - 3, chr, 3);
        Module(0, _cols - 2, chr, 4);
        Module(0, _cols - 1, chr, 5);
        Module(1, _cols - 3, chr, 6);
        Module(1, _cols - 2, chr, 7);
        Module(1, _cols - 1, chr, 8);
    }

    private bool IsUnset(int row, int col) => _cells[(row * _cols) + col] == 0;

    private void Run()
    {
        int chr = 1;
        int row = 4;
        int col = 0;
        do
        {
            if (row == _rows && col == 0)
            {
                Corner1(chr++);
            }

            if (row == _rows - 2 && col == 0 && _cols % 4 != 0)
            {
                Corner2(chr++);
            }

            if (row == _rows - 2 && col == 0 && _cols % 8 == 4)
            {
                Corner3(chr++);
            }

            if (row == _rows + 4 && col == 2 && _cols % 8 == 0)
            {
                Corner4(chr++);
            }

            do
            {
                if (row < _rows && col >= 0 && IsUnset(row, col))
                {
                    Utah(row, col, chr++);
                }

                row -= 2;
                col += 2;
            }
            while (row >= 0 && col < _cols);

            row += 1;
            col += 3;

            do
            {
                if (row >= 0 && col < _cols && IsUnset(row, col))
                {
                    Utah(row, col, chr++);
                }

                row += 2;
                col -= 2;
            }
            while (row < _rows && col >= 0);

            row += 3;
            col += 1;
        }
        while (row < _rows || col < _cols);

        if (IsUnset(_rows - 1, _cols - 1))
        {
            _cells[(_rows * _cols) - 1] = 1;
            _cells[(_rows * _cols) - _cols - 2] = 1;
            _cells[(_rows * _cols) - 2] = 2;
            _cells[(_rows * _cols) - _cols - 1] = 2;
        }
    }
}
