namespace VbiOrleans.DataMatrix;

/// <summary>Shape constraint used when choosing a symbol size.</summary>
public enum SymbolShape
{
    /// <summary>Only square symbols (10×10 … 144×144).</summary>
    Square,
    /// <summary>Only the six rectangular symbols (8×18 … 16×48).</summary>
    Rectangle,
    /// <summary>Square or rectangular, whichever has the smallest area.</summary>
    Any,
}

/// <summary>One row of the ECC 200 symbol attribute table (ISO/IEC 16022, table 7).</summary>
public sealed class DataMatrixSize
{
    private DataMatrixSize(int rows, int columns, int regionRows, int regionColumns, int dataCodewords, int eccCodewords, int blocks)
    {
        Rows = rows;
        Columns = columns;
        DataRegionRows = regionRows;
        DataRegionColumns = regionColumns;
        DataCodewords = dataCodewords;
        EccCodewords = eccCodewords;
        InterleavedBlocks = blocks;
        HorizontalRegions = columns / (regionColumns + 2);
        VerticalRegions = rows / (regionRows + 2);
    }

    /// <summary>Module rows, without quiet zone.</summary>
    public int Rows { get; }
    /// <summary>Module columns, without quiet zone.</summary>
    public int Columns { get; }
    /// <summary>Rows of data modules in one data region.</summary>
    public int DataRegionRows { get; }
    /// <summary>Columns of data modules in one data region.</summary>
    public int DataRegionColumns { get; }
    /// <summary>Number of data regions across.</summary>
    public int HorizontalRegions { get; }
    /// <summary>Number of data regions down.</summary>
    public int VerticalRegions { get; }
    /// <summary>Total data codewords.</summary>
    public int DataCodewords { get; }
    /// <summary>Total error correction codewords.</summary>
    public int EccCodewords { get; }
    /// <summary>Number of interleaved Reed–Solomon blocks.</summary>
    public int InterleavedBlocks { get; }
    /// <summary>True for the rectangular sizes.</summary>
    public bool IsRectangular => Rows != Columns;
    /// <summary>ECC codewords per interleaved block.</summary>
    public int EccCodewordsPerBlock => EccCodewords / InterleavedBlocks;
    /// <summary>Rows of the mapping matrix (all data regions together).</summary>
    public int MappingRows => DataRegionRows * VerticalRegions;
    /// <summary>Columns of the mapping matrix (all data regions together).</summary>
    public int MappingColumns => DataRegionColumns * HorizontalRegions;

    /// <summary>Largest number of arbitrary bytes this size holds in Base 256 encodation.</summary>
    public int MaxBinaryBytes => DataCodewords - 2;

    /// <inheritdoc />
    public override string ToString() => $"{Rows}x{Columns}";

    /// <summary>The 24 square sizes in ascending order.</summary>
    public static IReadOnlyList<DataMatrixSize> Squares { get; } =
    [
        new(10, 10, 8, 8, 3, 5, 1),
        new(12, 12, 10, 10, 5, 7, 1),
        new(14, 14, 12, 12, 8, 10, 1),
        new(16, 16, 14, 14, 12, 12, 1),
        new(18, 18, 16, 16, 18, 14, 1),
        new(20, 20, 18, 18, 22, 18, 1),
        new(22, 22, 20, 20, 30, 20, 1),
        new(24, 24, 22, 22, 36, 24, 1),
        new(26, 26, 24, 24, 44, 28, 1),
        new(32, 32, 14, 14, 62, 36, 1),
        new(36, 36, 16, 16, 86, 42, 1),
        new(40, 40, 18, 18, 114, 48, 1),
        new(44, 44, 20, 20, 144, 56, 1),
        new(48, 48, 22, 22, 174, 68, 1),
        new(52, 52, 24, 24, 204, 84, 2),
        new(64, 64, 14, 14, 280, 112, 2),
        new(72, 72, 16, 16, 368, 144, 4),
        new(80, 80, 18, 18, 456, 192, 4),
        new(88, 88, 20, 20, 576, 224, 4),
        new(96, 96, 22, 22, 696, 272, 4),
        new(104, 104, 24, 24, 816, 336, 6),
        new(120, 120, 18, 18, 1050, 408, 6),
        new(132, 132, 20, 20, 1304, 496, 8),
        new(144, 144, 22, 22, 1558, 620, 10),
    ];

    /// <summary>The six rectangular sizes in ascending order of capacity.</summary>
    public static IReadOnlyList<DataMatrixSize> Rectangles { get; } =
    [
        new(8, 18, 6, 16, 5, 7, 1),
        new(8, 32, 6, 14, 10, 11, 1),
        new(12, 26, 10, 24, 16, 14, 1),
        new(12, 36, 10, 16, 22, 18, 1),
        new(16, 36, 14, 16, 32, 24, 1),
        new(16, 48, 14, 22, 49, 28, 1),
    ];

    /// <summary>All 30 sizes: squares then rectangles.</summary>
    public static IReadOnlyList<DataMatrixSize> All { get; } = [.. Squares, .. Rectangles];

    /// <summary>Looks up a size by its module dimensions.</summary>
    public static DataMatrixSize Get(int rows, int columns) =>
        All.FirstOrDefault(s => s.Rows == rows && s.Columns == columns)
        ?? throw new ArgumentException($"{rows}x{columns} is not an ECC 200 symbol size.", nameof(rows));
}
