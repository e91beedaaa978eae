using System.IO.Compression;
using VbiOrleans.Labels.Formats;

namespace VbiOrleans.Labels.Tests;

/// <summary>The PNG writer's compressor: zlib (whose inflate checks the Adler-32) gives back exactly the rows.</summary>
public class RowDeflateTests
{
    [Theory]
    [InlineData(3, 1)]
    [InlineData(259, 4)] // a run of 258 plus one byte: no copy may be shorter than 3
    [InlineData(260, 3)]
    [InlineData(261, 5)]
    [InlineData(813, 40)]
    [InlineData(2851, 12)]
    public void InflatesToTheSameRows(int stride, int rowCount)
    {
        var random = new Random(stride * 31 + rowCount);
        var rows = new byte[stride * rowCount];
        for (int y = 0; y < rowCount; y++)
        {
            var row = rows.AsSpan(y * stride, stride);
            switch (y % 4)
            {
                case 0: // white with runs of black and anti-aliased edges
                    row.Fill(0xFF);
                    for (int x = 0; x < stride; x += 1 + random.Next(40))
                    {
                        int length = Math.Min(stride - x, random.Next(1, 300));
                        row.Slice(x, length).Fill((byte)(random.Next(3) == 0 ? random.Next(256) : 0));
                    }

                    break;
                case 1: // the row above again
                    rows.AsSpan((y - 1) * stride, stride).CopyTo(row);
                    break;
                case 2: // noise
                    random.NextBytes(row);
                    break;
                default: // one value throughout
                    row.Fill((byte)y);
                    break;
            }

            row[0] = 0; // the filter byte
        }

        var compressed = RowDeflate.Compress(rows, stride);

        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        Assert.Equal(rows, inflated.ToArray());
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void APageFromPreparedRowsIsTheStreamOfTheWholePage(int seed)
    {
        // A template: white rows, a band of text-like rows, repeated rows; a page drawn on some rows of a copy.
        const int Stride = 301;
        const int Count = 120;
        var random = new Random(seed);
        var template = new byte[Stride * Count];
        template.AsSpan().Fill(0xFF);
        for (int y = 30; y < 50; y++)
        {
            random.NextBytes(template.AsSpan((y * Stride) + 100, 80));
        }

        for (int y = 0; y < Count; y++)
        {
            template[y * Stride] = 0;
        }

        var prepared = new RowDeflate.PreparedRows(template, Stride);
        var page = (byte[])template.Clone();
        var dirty = new bool[Count];
        foreach (var (top, height) in new[] { (0, 2), (29, 3), (45, 10), (60, 1 + random.Next(20)), (Count - 3, 3) })
        {
            for (int y = top; y < top + height; y++)
            {
                dirty[y] = true;
                page.AsSpan((y * Stride) + 1 + random.Next(100), 50).Fill((byte)random.Next(3));
            }
        }

        // A drawn row may also end up equal to the template's: marked dirty, still right.
        dirty[90] = true;

        var whole = RowDeflate.Compress(page, Stride);
        var stale = new byte[page.Length]; // rows not drawn on are never read from the page
        for (int y = 0; y < Count; y++)
        {
            if (dirty[y])
            {
                page.AsSpan(y * Stride, Stride).CopyTo(stale.AsSpan(y * Stride));
            }
        }

        var output = new byte[RowDeflate.MaxCompressedLength(page.Length)];
        int length = RowDeflate.Compress(stale, Stride, output, prepared, dirty);

        Assert.Equal(whole, output.AsSpan(0, length).ToArray());
    }

    [Fact]
    public void RepeatedWhiteRowsCostAlmostNothing()
    {
        const int stride = 813;
        var rows = new byte[stride * 1218];
        rows.AsSpan().Fill(0xFF);
        for (int y = 0; y < 1218; y++)
        {
            rows[y * stride] = 0;
        }

        var compressed = RowDeflate.Compress(rows, stride);

        // The first row is a literal pair and 4 copies; each further row 4 copies of about 3 bytes.
        Assert.InRange(compressed.Length, 100, 1218 * 4 * 3);
    }
}
