using System.Globalization;
using System.Text;

namespace VbiOrleans.DataMatrix;

/// <summary>An encoded Data Matrix ECC 200 symbol (module matrix without quiet zone).</summary>
public sealed class DataMatrixSymbol
{
    private readonly bool[,] _modules;
    private readonly byte[] _codewords;

    internal DataMatrixSymbol(DataMatrixSize size, bool[,] modules, byte[] codewords)
    {
        Size = size;
        _modules = modules;
        _codewords = codewords;
    }

    /// <summary>The chosen symbol size.</summary>
    public DataMatrixSize Size { get; }

    /// <summary>Module rows (no quiet zone).</summary>
    public int Rows => Size.Rows;

    /// <summary>Module columns (no quiet zone).</summary>
    public int Columns => Size.Columns;

    /// <summary>All codewords (data + pad, then interleaved ECC) in placement order.</summary>
    public ReadOnlySpan<byte> Codewords => _codewords;

    /// <summary>True when the module is dark.</summary>
    public bool this[int row, int column] => _modules[row, column];

    /// <summary>The module matrix surrounded by <paramref name="quietZone"/> light modules on every side.</summary>
    public bool[,] ToModules(int quietZone = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(quietZone);
        var result = new bool[Rows + (2 * quietZone), Columns + (2 * quietZone)];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++)
            {
                result[r + quietZone, c + quietZone] = _modules[r, c];
            }
        }

        return result;
    }

    /// <summary>Writes a binary PGM (P5, 8-bit, 0 = black) image.</summary>
    public void WritePgm(Stream stream, int scale = 4, int quietZone = 2)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var modules = ToModules(quietZone);
        int height = modules.GetLength(0) * scale;
        int width = modules.GetLength(1) * scale;
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P5\n{width} {height}\n255\n"));
        stream.Write(header);
        var line = new byte[width];
        for (int r = 0; r < modules.GetLength(0); r++)
        {
            for (int x = 0; x < width; x++)
            {
                line[x] = modules[r, x / scale] ? (byte)0 : (byte)255;
            }

            for (int k = 0; k < scale; k++)
            {
                stream.Write(line);
            }
        }
    }

    /// <summary>Writes a binary PBM (P4, 1 = black) image.</summary>
    public void WritePbm(Stream stream, int scale = 4, int quietZone = 2)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var modules = ToModules(quietZone);
        int height = modules.GetLength(0) * scale;
        int width = modules.GetLength(1) * scale;
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P4\n{width} {height}\n"));
        stream.Write(header);
        var line = new byte[(width + 7) / 8];
        for (int r = 0; r < modules.GetLength(0); r++)
        {
            Array.Clear(line);
            for (int x = 0; x < width; x++)
            {
                if (modules[r, x / scale])
                {
                    line[x / 8] |= (byte)(0x80 >> (x % 8));
                }
            }

            for (int k = 0; k < scale; k++)
            {
                stream.Write(line);
            }
        }
    }

    /// <summary>Writes the symbol as a PGM file.</summary>
    public void SavePgm(string path, int scale = 4, int quietZone = 2)
    {
        using var file = File.Create(path);
        WritePgm(file, scale, quietZone);
    }

    /// <summary>Writes the symbol as a PBM file.</summary>
    public void SavePbm(string path, int scale = 4, int quietZone = 2)
    {
        using var file = File.Create(path);
        WritePbm(file, scale, quietZone);
    }

    /// <summary>A text rendering ('#' dark, '.' light) for debugging.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Columns; c++)
            {
                sb.Append(_modules[r, c] ? '#' : '.');
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }
}
