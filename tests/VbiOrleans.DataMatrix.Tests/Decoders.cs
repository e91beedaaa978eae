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
        // -escape keeps the Text line on one line, so a payload holding "\nBytes: ..." cannot fake the Bytes line.
        List<string> args = ["-escape", "-format", "DataMatrix"];
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

    /// <summary>
    /// True when the installed ZXingReader (zxing-cpp 1.4.0) reads symbols of this size. Measured on this encoder's
    /// images at 2, 3 and 4 pixels per module: it reads all 29 other sizes, and no 144x144 symbol at any of them,
    /// with or without -ispure, -fast, -noscale or -norotate; nor the 144x144 its own ZXingWriter makes of 2300
    /// letters (dmtxread reads that one).
    /// </summary>
    public static bool ZXingReads(DataMatrixSize size) => size.Rows != 144;

    /// <summary>
    /// Decodes several images with one ZXingReader process. With more than one file it prints a "File:" block per
    /// image, each with a lossless hex "Bytes:" line or "No barcode found" (the -1 one-line format is lossy: it
    /// escapes bytes >= 0x80 through a text conversion, so it is not used). Returns the bytes of each symbol found,
    /// per image; an image without an entry was not answered (for example the process died on it).
    /// </summary>
    public static Dictionary<string, List<byte[]>> ZXingDecodeMany(IReadOnlyList<string> images)
    {
        var exe = Require(ZXing);
        var (code, stdout, stderr) = Run(exe, ["-escape", "-format", "DataMatrix", .. images], TimeSpan.FromSeconds(60 + images.Count));
        var text = System.Text.Encoding.ASCII.GetString(stdout);
        var results = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);

        // A single file is printed without its "File:" header.
        List<byte[]>? current = null;
        if (images.Count == 1)
        {
            current = results[images[0]] = [];
        }

        foreach (var line in text.Split('\n'))
        {
            if (images.Count > 1 && line.StartsWith("File:", StringComparison.Ordinal))
            {
                current = results[line["File:".Length..].Trim()] = [];
            }
            else if (line.StartsWith("Bytes:", StringComparison.Ordinal) && current is not null)
            {
                current.Add(Convert.FromHexString(line["Bytes:".Length..].Replace(" ", string.Empty, StringComparison.Ordinal).Trim()));
            }
        }

        if (code != 0 && results.Count == 0)
        {
            throw new InvalidOperationException($"ZXingReader exit {code}: {stderr}");
        }

        return results;
    }

    /// <summary>
    /// The codewords dmtxread read from the image (data, pad and error correction, in placement order), after its
    /// Reed-Solomon correction; null if no symbol was found. Equal to the encoder's codewords only when every data
    /// and ECC codeword the encoder wrote is what an independent RS decoder accepts as a valid codeword.
    /// </summary>
    public static byte[]? DmtxCodewords(string image, int milliseconds)
    {
        var exe = Require(Dmtx);
        var (code, stdout, _) = Run(exe, ["-N1", "-c", "-m", milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), image], TimeSpan.FromMilliseconds(milliseconds + 10_000));
        if (code != 0)
        {
            return null;
        }

        var codewords = new List<byte>();
        foreach (var line in System.Text.Encoding.ASCII.GetString(stdout).Split('\n'))
        {
            if (line.Length > 2 && line[1] == ':' && line[0] is 'd' or 'p' or 'e')
            {
                codewords.Add(byte.Parse(line.AsSpan(2).Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return [.. codewords];
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
