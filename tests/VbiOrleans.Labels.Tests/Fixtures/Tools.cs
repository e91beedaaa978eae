using System.Diagnostics;
using System.Globalization;

namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>
/// The independent command-line tools the tests check our output with. A missing tool fails the test with the
/// package to install: it is never a skip, or a machine without the tools would pass without checking anything.
/// </summary>
internal static class Tools
{
    public const string ZXing = "ZXingReader";
    public const string Dmtx = "dmtxread";
    public const string PdfToPpm = "pdftoppm";
    public const string PdfToText = "pdftotext";

    private static readonly Dictionary<string, string> Packages = new()
    {
        [ZXing] = "zxing-cpp-tools",
        [Dmtx] = "dmtx-utils",
        [PdfToPpm] = "poppler-utils",
        [PdfToText] = "poppler-utils",
    };

    private static readonly Lazy<string> TempRoot = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "vbi-labels-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (!_keep)
            {
                Directory.Delete(dir, recursive: true);
            }
        };
        return dir;
    });

    private static int _counter;
    private static volatile bool _keep;

    /// <summary>A new file name in this run's temporary folder.</summary>
    public static string TempFile(string name) =>
        Path.Combine(TempRoot.Value, $"{Interlocked.Increment(ref _counter)}-{name}");

    /// <summary>Keeps this run's temporary folder after the tests, for a failure message that names a file in it.</summary>
    public static string Keep(string path)
    {
        _keep = true;
        return path;
    }

    public static string Require(string tool)
    {
        var path = FindOnPath(tool);
        if (path is null)
        {
            Assert.Fail(
                $"'{tool}' is not on PATH. The label tests need it to check what the renderer produced: install the Debian package " +
                $"{Packages[tool]} (apt-get install {Packages[tool]}); `infra/local/services.sh install` installs zxing-cpp-tools and dmtx-utils.");
        }

        return path!;
    }

    /// <summary>One symbol ZXingReader found: its format ("DataMatrix", "Code128"), symbology identifier and content bytes.</summary>
    public sealed record Found(string Format, string Identifier, byte[] Bytes);

    /// <summary>
    /// Every symbol of <paramref name="format"/> ZXingReader finds on the whole image, with its default search
    /// (try harder, rotations) and any <paramref name="options"/>.
    /// </summary>
    public static List<Found> ZXingFind(string image, string format, params string[] options)
    {
        var (code, stdout, stderr) = Run(Require(ZXing), [.. options, "-format", format, image], TimeSpan.FromSeconds(30));
        var text = System.Text.Encoding.Latin1.GetString(stdout);
        if (code != 0 && !text.Contains("No barcode found", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ZXingReader exit {code} on {image}: {text} {stderr}");
        }

        var found = new List<Found>();
        foreach (var chunk in text.Split("\nText:", StringSplitOptions.None).Select(c => c.Split('\n')))
        {
            string? Field(string name) => chunk.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim();
            if (Field("Bytes") is { } hex && Field("Format") is { } symbology)
            {
                found.Add(new Found(symbology, Field("Identifier") ?? string.Empty, Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal))));
            }
        }

        return found;
    }

    /// <summary>Decodes with dmtxread (libdmtx); the raw bytes, or null if it found nothing in time.</summary>
    public static byte[]? DmtxDecode(string image, int milliseconds = 10_000)
    {
        var (code, stdout, _) = Run(
            Require(Dmtx),
            ["-N1", "-m", milliseconds.ToString(CultureInfo.InvariantCulture), image],
            TimeSpan.FromMilliseconds(milliseconds + 10_000));
        return code == 0 ? stdout : null;
    }

    /// <summary>Rasterizes one page (the first by default) of a PDF with poppler at <paramref name="dpi"/>; the PNG's path.</summary>
    public static string PdfToPng(string pdf, int dpi, int page = 1)
    {
        var prefix = TempFile("page");
        var number = page.ToString(CultureInfo.InvariantCulture);
        var (code, _, stderr) = Run(
            Require(PdfToPpm),
            ["-r", dpi.ToString(CultureInfo.InvariantCulture), "-gray", "-png", "-f", number, "-l", number, "-singlefile", pdf, prefix],
            TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"pdftoppm exit {code} on {pdf}: {stderr}");
        return prefix + ".png";
    }

    public static (int ExitCode, byte[] Stdout, string Stderr) Run(string exe, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(exe)
        {
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
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{Path.GetFileName(exe)} did not finish within {timeout} on {string.Join(' ', args)}");
        }

        copy.Wait();
        return (process.ExitCode, stdout.ToArray(), err.Result);
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
