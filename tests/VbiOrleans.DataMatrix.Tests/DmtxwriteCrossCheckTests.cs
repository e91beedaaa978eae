using System.Globalization;
using VbiOrleans.DataMatrix;

namespace VbiOrleans.DataMatrix.Tests;

/// <summary>
/// Compares codewords (data, pads, interleaved ECC) and every module with libdmtx's independent encoder
/// (dmtxwrite, ASCII encodation forced) for each symbol size.
/// </summary>
public class DmtxwriteCrossCheckTests
{
    [Theory]
    [MemberData(nameof(RoundTripTests.AllSizes), MemberType = typeof(RoundTripTests))]
    public void CodewordsAndModulesMatchDmtxwrite(string sizeName)
    {
        var size = DataMatrixSize.All.Single(s => s.ToString() == sizeName);
        var random = new Random(size.Rows * 31 + size.Columns);
        foreach (int length in new[] { size.DataCodewords, (size.DataCodewords * 2) / 3 })
        {
            var payload = new byte[length];
            for (int i = 0; i < length; i++)
            {
                payload[i] = (byte)('A' + random.Next(26));
            }

            var symbol = DataMatrixEncoder.Encode(payload, size);
            var (codewords, modules) = RunDmtxwrite(payload, size);
            Assert.Equal(string.Join(' ', codewords), string.Join(' ', symbol.Codewords.ToArray()));
            Assert.Equal(size.Rows, modules.Count);
            for (int r = 0; r < size.Rows; r++)
            {
                var expected = modules[r].PadRight(size.Columns * 2);
                for (int c = 0; c < size.Columns; c++)
                {
                    Assert.True(
                        (expected[2 * c] == 'X') == symbol[r, c],
                        $"{size} length {length}: module {r},{c} differs from dmtxwrite");
                }
            }
        }
    }

    private static (List<byte> Codewords, List<string> Modules) RunDmtxwrite(byte[] payload, DataMatrixSize size)
    {
        var exe = Decoders.Require(Decoders.DmtxWrite);
        var output = Path.Combine(Path.GetTempPath(), $"vbi-dmtxwrite-{Environment.ProcessId}-{size}.png");
        var (code, stdout, stderr) = Decoders.Run(exe, ["-e", "a", "-s", size.ToString(), "-c", "-p", "-o", output], TimeSpan.FromSeconds(30), payload);
        File.Delete(output);
        Assert.True(code == 0, $"dmtxwrite failed ({code}): {stderr}");
        var codewords = new List<byte>();
        var modules = new List<string>();
        foreach (var line in System.Text.Encoding.ASCII.GetString(stdout).Split('\n'))
        {
            if (line.Length > 2 && (line[0] == 'd' || line[0] == 'e') && line[1] == ':')
            {
                codewords.Add(byte.Parse(line.AsSpan(2).Trim(), CultureInfo.InvariantCulture));
            }
            else if (line.StartsWith("    ", StringComparison.Ordinal) && line.Contains('X', StringComparison.Ordinal))
            {
                modules.Add(line[4..]);
            }
        }

        Assert.Equal(size.DataCodewords + size.EccCodewords, codewords.Count);
        return (codewords, modules);
    }
}
