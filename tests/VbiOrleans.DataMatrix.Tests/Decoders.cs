using System.Diagnostics;
using VbiOrleans.DataMatrix;

namespace VbiOrleans.DataMatrix.Tests;

/// <summary>Runs the independent decoders installed by infra/local/services.sh.</summary>
internal static class Decoders
{
    public const string ZXing = "ZXingReader";
    public const string Dmtx = "dmtxread";
    public const string DmtxWrite = "dmtxwrite";

    private static readonly Lazy<string> TempRoot = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "vbi-datamatrix-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        return dir;
    });

    private static int _counter;

    public static string Require(string tool)
    {
        var path = FindOnPath(tool);
        if (path is null)
        {
            Assert.Fail($"Barcode tool '{tool}' (Data Matrix decoder/reference encoder) not found on PATH. Install the local tooling with `infra/local/services.sh install` (packages zxing-cpp-tools and dmtx-utils).");
        }

        return path!;
    }

    private static string? FindOnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (dir.Length == 0)
            {
                continue;
            }

            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static string SaveImage(DataMatrixSymbol symbol, int scale = 4, int quietZone = 2)
    {
        var file = Path.Combine(TempRoot.Value, $"dm{Interlocked.Increment(ref _counter)}-{symbol.Size}.pgm");
        symbol.SavePgm(file, scale, quietZone);
        return file;
    }

    /// <summary>Decodes the image with ZXingReader (parsing its hex "Bytes:" line); null if nothing was found.</summary>
    public static byte[]? ZXingDecode(string image, bool pure = false)
    {
        var exe = Require(ZXing);
        List<string> args = ["-format", "DataMatrix"];
        if (pure)
        {
            args.Add("-ispure");
        }

        args.Add(image);
        var (code, stdout, stderr) = Run(exe, args, TimeSpan.FromSeconds(30));
        var text = System.Text.Encoding.ASCII.GetString(stdout);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("Bytes:", StringComparison.Ordinal))
            {
                var hex = line["Bytes:".Length..].Replace(" ", string.Empty, StringComparison.Ordinal).Trim();
                return Convert.FromHexString(hex);
            }
        }

        if (code != 0 && !text.Contains("No barcode found", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ZXingReader exit {code}: {text} {stderr}");
        }

        return null;
    }

    /// <summary>Decodes with dmtxread; returns the raw bytes, or null if nothing was found in time.</summary>
    public static byte[]? DmtxDecode(string image, int milliseconds)
    {
        var exe = Require(Dmtx);
        var (code, stdout, _) = Run(exe, ["-N1", "-m", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), image], TimeSpan.FromMilliseconds(milliseconds + 10_000));
        return code == 0 ? stdout : null;
    }

    public static (int ExitCode, byte[] Stdout, string Stderr) Run(string exe, IEnumerable<string> args, TimeSpan timeout, byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {exe}");
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var err = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Path.GetFileName(exe)} did not finish within {timeout} on {string.Join(' ', args)}");
        }

        copy.Wait();
        return (process.ExitCode, stdout.ToArray(), err.Result);
    }
}
