using VbiOrleans.DataMatrix;

namespace VbiOrleans.Labels.Formats;

/// <summary>A horizontal run of dark modules in one symbol row.</summary>
internal readonly record struct ModuleRun(int Row, int Column, int Length)
{
    /// <summary>The runs row by row, left to right: one rectangle per run instead of one per module.</summary>
    public static IEnumerable<ModuleRun> Of(DataMatrixSymbol symbol)
    {
        for (int r = 0; r < symbol.Rows; r++)
        {
            int c = 0;
            while (c < symbol.Columns)
            {
                if (!symbol[r, c])
                {
                    c++;
                    continue;
                }

                int start = c;
                while (c < symbol.Columns && symbol[r, c])
                {
                    c++;
                }

                yield return new ModuleRun(r, start, c - start);
            }
        }
    }
}
