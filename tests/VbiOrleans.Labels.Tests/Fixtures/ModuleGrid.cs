using VbiOrleans.DataMatrix;

namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>Turns a picture of dark dots back into a module matrix, refusing any module that is not uniform.</summary>
internal static class ModuleGrid
{
    /// <summary>
    /// The modules of a <paramref name="rows"/> x <paramref name="columns"/> symbol whose first module's top-left
    /// dot is (<paramref name="left"/>, <paramref name="top"/>), each <paramref name="moduleDots"/> dots square.
    /// </summary>
    public static bool[,] Read(Func<int, int, bool> isDark, int left, int top, int rows, int columns, int moduleDots)
    {
        var modules = new bool[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                bool first = isDark(left + (c * moduleDots), top + (r * moduleDots));
                for (int dy = 0; dy < moduleDots; dy++)
                {
                    for (int dx = 0; dx < moduleDots; dx++)
                    {
                        Assert.True(
                            isDark(left + (c * moduleDots) + dx, top + (r * moduleDots) + dy) == first,
                            $"module ({r}, {c}) is not uniform at dot ({dx}, {dy})");
                    }
                }

                modules[r, c] = first;
            }
        }

        return modules;
    }

    public static void AssertEqual(DataMatrixSymbol expected, bool[,] actual)
    {
        Assert.Equal(expected.Rows, actual.GetLength(0));
        Assert.Equal(expected.Columns, actual.GetLength(1));
        for (int r = 0; r < expected.Rows; r++)
        {
            for (int c = 0; c < expected.Columns; c++)
            {
                Assert.True(expected[r, c] == actual[r, c], $"module ({r}, {c}) is {(actual[r, c] ? "dark" : "light")}, the encoder made it {(expected[r, c] ? "dark" : "light")}");
            }
        }
    }
}
