using VbiOrleans.DataMatrix;

namespace VbiOrleans.DataMatrix.Tests;

public class EncoderUnitTests
{
    [Fact]
    public void StandardWorkedExample123456ProducesKnownCodewords()
    {
        // ISO/IEC 16022 worked example: "123456" in a 10x10 symbol.
        var symbol = DataMatrixEncoder.Encode("123456"u8);
        Assert.Equal(10, symbol.Rows);
        Assert.Equal(10, symbol.Columns);
        Assert.Equal(new byte[] { 142, 164, 186, 114, 25, 5, 88, 102 }, symbol.Codewords.ToArray());
    }

    [Fact]
    public void ReedSolomonDirectlyMatchesWorkedExample()
    {
        Assert.Equal(new byte[] { 114, 25, 5, 88, 102 }, ReedSolomon.Compute([142, 164, 186], 5));
    }

    [Fact]
    public void GeneratorPolynomialForFiveCheckCodewordsMatchesStandard()
    {
        // g(x) = x^5 + 62x^4 + 111x^3 + 15x^2 + 48x + 228 (ISO/IEC 16022 Annex E).
        Assert.Equal(new byte[] { 1, 62, 111, 15, 48, 228 }, ReedSolomon.Generator(5));
    }

    [Fact]
    public void GeneratorRootsAreAlphaOneToN()
    {
        foreach (int n in new[] { 5, 7, 10, 11, 12, 14, 18, 20, 24, 28, 36, 42, 48, 56, 62, 68 })
        {
            var g = ReedSolomon.Generator(n);
            byte alpha = 1;
            for (int i = 1; i <= n; i++)
            {
                alpha = ReedSolomon.Multiply(alpha, 2);
                byte value = 0;
                foreach (byte coefficient in g)
                {
                    value = (byte)(ReedSolomon.Multiply(value, alpha) ^ coefficient);
                }

                Assert.Equal(0, value);
            }
        }
    }

    [Fact]
    public void AsciiEncodationPacksDigitsAndUpperShifts()
    {
        Assert.Equal(new byte[] { 66, 130 + 12, 235, 200 - 127, 1 }, DataMatrixEncoder.EncodeData([(byte)'A', (byte)'1', (byte)'2', 200, 0]));
    }

    [Fact]
    public void Base256UsesLengthFieldAnd255StateRandomising()
    {
        var data = new byte[] { 0xAB, 0xCD, 0xEF, 0x80, 0x81, 0x82 };
        var cw = DataMatrixEncoder.EncodeData(data);
        Assert.Equal(231, cw[0]);
        Assert.Equal(1 + 1 + data.Length, cw.Length);

        static int Unrandomise(byte value, int position)
        {
            int pseudo = ((149 * position) % 255) + 1;
            int temp = value - pseudo;
            return temp >= 0 ? temp : temp + 256;
        }

        Assert.Equal(data.Length, Unrandomise(cw[1], 2));
        for (int i = 0; i < data.Length; i++)
        {
            Assert.Equal(data[i], Unrandomise(cw[2 + i], 3 + i));
        }
    }

    [Fact]
    public void LongBase256SegmentUsesTwoByteLength()
    {
        var data = Enumerable.Repeat((byte)0xFF, 300).ToArray();
        var cw = DataMatrixEncoder.EncodeData(data);
        Assert.Equal(1 + 2 + 300, cw.Length);
    }

    [Fact]
    public void PaddingUses129Then253StateRandomising()
    {
        var size = DataMatrixSize.Get(12, 12);
        var padded = DataMatrixEncoder.PadCodewords([66], size);
        Assert.Equal(new byte[] { 66, 129 }, padded[..2]);
        for (int i = 2; i < padded.Length; i++)
        {
            int pseudo = ((149 * (i + 1)) % 253) + 1;
            int expected = 129 + pseudo;
            Assert.Equal(expected <= 254 ? expected : expected - 254, padded[i]);
        }
    }

    [Fact]
    public void MixedInputIsShorterThanEitherPureMode()
    {
        var data = Enumerable.Repeat((byte)'7', 100).Concat(Enumerable.Range(128, 60).Select(i => (byte)i)).ToArray();
        int ascii = 50 + (60 * 2);
        int base256 = 1 + 1 + 160;
        Assert.Equal(50 + 1 + 1 + 60, DataMatrixEncoder.EncodeData(data).Length);
        Assert.True(DataMatrixEncoder.EncodeData(data).Length < Math.Min(ascii, base256));
    }

    [Theory]
    [InlineData(0, SymbolShape.Square, "10x10")]
    [InlineData(3, SymbolShape.Square, "10x10")]
    [InlineData(4, SymbolShape.Square, "12x12")]
    [InlineData(62, SymbolShape.Square, "32x32")]
    [InlineData(63, SymbolShape.Square, "36x36")]
    [InlineData(1558, SymbolShape.Square, "144x144")]
    [InlineData(1, SymbolShape.Rectangle, "8x18")]
    [InlineData(6, SymbolShape.Rectangle, "8x32")]
    [InlineData(49, SymbolShape.Rectangle, "16x48")]
    [InlineData(5, SymbolShape.Any, "12x12")]
    [InlineData(10, SymbolShape.Any, "16x16")] // tie on area: square preferred
    [InlineData(16, SymbolShape.Any, "12x26")]
    [InlineData(50, SymbolShape.Any, "32x32")]
    public void SelectsSmallestFittingSize(int codewords, SymbolShape shape, string expected)
    {
        Assert.Equal(expected, DataMatrixEncoder.SelectSize(codewords, shape)?.ToString());
    }

    [Fact]
    public void SelectSizeReturnsNullBeyondLargest()
    {
        Assert.Null(DataMatrixEncoder.SelectSize(1559));
        Assert.Null(DataMatrixEncoder.SelectSize(50, SymbolShape.Rectangle));
    }

    [Fact]
    public void EncodeChoosesSizeFromData()
    {
        Assert.Equal("12x12", DataMatrixEncoder.Encode("ABCD"u8).Size.ToString());
        Assert.Equal("8x18", DataMatrixEncoder.Encode("ABCD"u8, SymbolShape.Rectangle).Size.ToString());
        Assert.Equal("144x144", DataMatrixEncoder.Encode(new byte[1556]).Size.ToString());
    }

    [Fact]
    public void TooLongForLargestSymbolThrows()
    {
        var binary = Enumerable.Repeat((byte)0xFF, 1557).ToArray();
        Assert.Equal("144x144", DataMatrixEncoder.Encode(binary.AsSpan(0, 1556)).Size.ToString());
        var ex = Assert.Throws<ArgumentException>(() => DataMatrixEncoder.Encode(binary));
        Assert.Contains("1557 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("largest", ex.Message, StringComparison.Ordinal);

        var digits = Enumerable.Repeat((byte)'5', 3117).ToArray();
        Assert.Equal("144x144", DataMatrixEncoder.Encode(digits.AsSpan(0, 3116)).Size.ToString());
        Assert.Throws<ArgumentException>(() => DataMatrixEncoder.Encode(digits));

        Assert.Throws<ArgumentException>(() => DataMatrixEncoder.Encode(new byte[60], SymbolShape.Rectangle));
        Assert.Throws<ArgumentException>(() => DataMatrixEncoder.Encode(new byte[10], DataMatrixSize.Get(10, 10)));
        Assert.Throws<ArgumentException>(() => DataMatrixSize.Get(11, 11));
    }

    [Fact]
    public void SymbolTableIsConsistent()
    {
        Assert.Equal(24, DataMatrixSize.Squares.Count);
        Assert.Equal(6, DataMatrixSize.Rectangles.Count);
        foreach (var s in DataMatrixSize.All)
        {
            Assert.Equal(s.Rows, s.VerticalRegions * (s.DataRegionRows + 2));
            Assert.Equal(s.Columns, s.HorizontalRegions * (s.DataRegionColumns + 2));
            // Every mapping-matrix module holds a codeword bit except at most 4 fixed corner modules.
            int modules = s.MappingRows * s.MappingColumns;
            int bits = (s.DataCodewords + s.EccCodewords) * 8;
            Assert.InRange(modules - bits, 0, 4);
            Assert.Equal(0, s.EccCodewords % s.InterleavedBlocks);
        }
    }

    [Theory]
    [MemberData(nameof(RoundTripTests.AllSizes), MemberType = typeof(RoundTripTests))]
    public void FinderAndAlignmentPatternsArePresent(string sizeName)
    {
        var size = DataMatrixSize.All.Single(s => s.ToString() == sizeName);
        var symbol = DataMatrixEncoder.Encode("x"u8, size);
        int blockRows = size.DataRegionRows + 2;
        int blockCols = size.DataRegionColumns + 2;
        for (int r = 0; r < size.Rows; r++)
        {
            for (int c = 0; c < size.Columns; c++)
            {
                int rr = r % blockRows;
                int cc = c % blockCols;
                if (rr == blockRows - 1 || cc == 0)
                {
                    Assert.True(symbol[r, c], $"solid L at {r},{c}");
                }
                else if (rr == 0)
                {
                    Assert.Equal(cc % 2 == 0, symbol[r, c]);
                }
                else if (cc == blockCols - 1)
                {
                    Assert.Equal(rr % 2 == 1, symbol[r, c]);
                }
            }
        }
    }

    [Fact]
    public void ToModulesAddsQuietZoneAndImagesHaveExpectedHeaders()
    {
        var symbol = DataMatrixEncoder.Encode("Hi"u8);
        var modules = symbol.ToModules(3);
        Assert.Equal(16, modules.GetLength(0));
        Assert.Equal(16, modules.GetLength(1));
        Assert.False(modules[0, 0]);
        Assert.Equal(symbol[0, 0], modules[3, 3]);

        using var pgm = new MemoryStream();
        symbol.WritePgm(pgm, scale: 4, quietZone: 1);
        var header = "P5\n48 48\n255\n"u8.ToArray();
        Assert.Equal(header, pgm.ToArray()[..header.Length]);
        Assert.Equal(header.Length + (48 * 48), pgm.Length);

        using var pbm = new MemoryStream();
        symbol.WritePbm(pbm, scale: 3, quietZone: 1);
        var pbmHeader = "P4\n36 36\n"u8.ToArray();
        Assert.Equal(pbmHeader, pbm.ToArray()[..pbmHeader.Length]);
        Assert.Equal(pbmHeader.Length + (5 * 36), pbm.Length);
    }

    [Fact]
    public void PbmImageDecodesWithDmtxread()
    {
        var payload = "PBM output"u8.ToArray();
        var file = Path.Combine(Path.GetTempPath(), $"vbi-dm-{Environment.ProcessId}-pbm.pbm");
        DataMatrixEncoder.Encode(payload).SavePbm(file);
        // The installed ZXingReader (stb_image) reads PGM but not P4 PBM, so the PBM writer is checked with dmtxread.
        Assert.Equal(payload, Decoders.DmtxDecode(file, 5000));
        File.Delete(file);
    }

    [Fact]
    public void MissingDecoderFailsWithInstallHint()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Decoders.Require("no-such-datamatrix-decoder"));
        Assert.Contains("infra/local/services.sh install", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-datamatrix-decoder", ex.Message, StringComparison.Ordinal);
    }
}
