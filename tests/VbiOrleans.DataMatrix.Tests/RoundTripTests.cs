using System.Collections.Concurrent;
using VbiOrleans.DataMatrix;

namespace VbiOrleans.DataMatrix.Tests;

public class RoundTripTests
{
    public static TheoryData<string> AllSizes()
    {
        var data = new TheoryData<string>();
        foreach (var s in DataMatrixSize.All)
        {
            data.Add(s.ToString());
        }

        return data;
    }

    private static DataMatrixSize Parse(string name)
    {
        var parts = name.Split('x');
        return DataMatrixSize.Get(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Decodes with ZXingReader. The installed zxing-cpp 1.4.0 reads no 144x144 symbol at all (not even one made
    /// by its own ZXingWriter), so for that size dmtxread (libdmtx) is the reference decoder instead.
    /// </summary>
    internal static void AssertZXing(byte[] payload, DataMatrixSymbol symbol, string what)
    {
        var image = Decoders.SaveImage(symbol);
        var decoded = Decoders.ZXingDecode(image);
        if (decoded is null && symbol.Rows == 144)
        {
            decoded = Decoders.DmtxDecode(image, 10_000);
        }

        Assert.True(decoded is not null, $"ZXingReader found no Data Matrix in {image} ({what}, {symbol.Size}, {payload.Length} bytes)");
        Assert.True(payload.AsSpan().SequenceEqual(decoded), $"ZXingReader decoded different bytes from {image} ({what}, {symbol.Size}): expected {Convert.ToHexString(payload)}, got {Convert.ToHexString(decoded!)}");
        File.Delete(image);
    }

    [Theory]
    [MemberData(nameof(AllSizes))]
    public void EverySizeDecodesWithZXing(string sizeName)
    {
        var size = Parse(sizeName);
        var random = new Random(size.Rows * 1000 + size.Columns);

        // Random binary bytes at full Base 256 capacity.
        var full = new byte[size.MaxBinaryBytes];
        random.NextBytes(full);
        var symbol = DataMatrixEncoder.Encode(full, size);
        Assert.Equal(size, symbol.Size);
        AssertZXing(full, symbol, "binary at capacity");

        // Digits at full ASCII capacity (two digits per codeword).
        var digits = new byte[size.DataCodewords * 2];
        for (int i = 0; i < digits.Length; i++)
        {
            digits[i] = (byte)('0' + random.Next(10));
        }

        symbol = DataMatrixEncoder.Encode(digits, size);
        AssertZXing(digits, symbol, "digits at capacity");

        // Random length, random bytes.
        var partial = new byte[random.Next(0, size.MaxBinaryBytes + 1)];
        random.NextBytes(partial);
        symbol = DataMatrixEncoder.Encode(partial, size);
        AssertZXing(partial, symbol, "binary of random length");
    }

    [Theory]
    [MemberData(nameof(AllSizes))]
    public void SmallerSizesDecodeWithDmtxread(string sizeName)
    {
        var size = Parse(sizeName);
        var random = new Random(size.Rows * 7 + size.Columns);
        var payload = new byte[size.MaxBinaryBytes];
        random.NextBytes(payload);
        var image = Decoders.SaveImage(DataMatrixEncoder.Encode(payload, size));
        var decoded = Decoders.DmtxDecode(image, 5000);
        Assert.True(decoded is not null, $"dmtxread found no Data Matrix in {image} ({size})");
        Assert.Equal(Convert.ToHexString(payload), Convert.ToHexString(decoded!));
        File.Delete(image);
    }
}
