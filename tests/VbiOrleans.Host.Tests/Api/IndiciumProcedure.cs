using System.Diagnostics;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// The offline verification procedure of docs/indicium-format.md, read from the document: each step is the ```sh
/// block after a <c>&lt;!-- procedure:NAME --&gt;</c> line, run with bash exactly as written, so the document cannot
/// drift from what works.
/// </summary>
internal static class IndiciumProcedure
{
    /// <summary>A bound on one run: a few openssl and curl calls on loopback take well under a second.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);

    public static string DocumentPath { get; } = Path.Combine(LocalServices.RepositoryRoot, "docs", "indicium-format.md");

    public static string Block(string name)
    {
        var lines = File.ReadAllLines(DocumentPath);
        var marker = Array.IndexOf(lines, $"<!-- procedure:{name} -->");
        Assert.True(marker >= 0 && marker + 1 < lines.Length && lines[marker + 1] == "```sh",
            $"docs/indicium-format.md has no ```sh block right after <!-- procedure:{name} -->");
        var end = Array.IndexOf(lines, "```", marker + 2);
        Assert.True(end > marker + 2, $"the procedure:{name} block of docs/indicium-format.md is empty or not closed");
        return string.Join('\n', lines[(marker + 2)..end]) + "\n";
    }

    /// <summary>
    /// Runs the named blocks one after another in <paramref name="directory"/>, with <c>bash -e</c> so the run stops
    /// at the first failing step, as a person would; the exit code and everything printed.
    /// </summary>
    public static (int ExitCode, string Output) Run(string directory, Uri service, params string[] blocks)
    {
        var script = Path.Combine(directory, "procedure.sh");
        File.WriteAllText(script, string.Concat(blocks.Select(Block)));
        var psi = new ProcessStartInfo("bash") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-e");
        psi.ArgumentList.Add(script);
        psi.Environment["VBI"] = service.GetLeftPart(UriPartial.Authority);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(RunTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the procedure ({string.Join(", ", blocks)}) did not finish within {RunTimeout.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>
/// The documented signature step on the raw r||s halves whose DER form differs most from 32 bytes: a half that starts
/// with a zero byte (DER drops it) and one whose top bit is set (DER puts a zero in front). A printed indicium has such
/// halves only now and then (a leading zero byte 1 time in 128), so these are signed here with a key of the test's own.
/// </summary>
public sealed class IndiciumProcedureSignatureTests
{
    /// <summary>A bound on the search for a signature of the wanted shape; each is found within about 500 tries.</summary>
    private const int MaxSignatures = 100_000;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_documented_DER_step_encodes_a_half_with_a_leading_zero_byte_and_one_with_its_top_bit_set(bool zeroInR)
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var signed = System.Text.Encoding.ASCII.GetBytes("the signed bytes of an indicium, for the DER step");
        byte[]? rs = null;
        for (var i = 0; i < MaxSignatures && rs is null; i++)
        {
            var candidate = key.SignData(signed, System.Security.Cryptography.HashAlgorithmName.SHA256,
                System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var (zeroHalf, highHalf) = zeroInR ? (candidate[0], candidate[32]) : (candidate[32], candidate[0]);
            if (zeroHalf == 0 && highHalf >= 0x80) rs = candidate;
        }
        Assert.NotNull(rs);

        var dir = Directory.CreateTempSubdirectory("vbi-der-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "meter-key.pem"), key.ExportSubjectPublicKeyInfoPem() + "\n");
            File.WriteAllBytes(Path.Combine(dir, "indicium.bin"), [.. signed, .. rs]);
            var run = IndiciumProcedure.Run(dir, new Uri("http://127.0.0.1:9/"), "signature");
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains("Verified OK", run.Output);
            Assert.Equal(Convert.ToHexString(VbiOrleans.TransactionLog.Notes.EcdsaSignatureEncoding.ToDer(rs)),
                Convert.ToHexString(File.ReadAllBytes(Path.Combine(dir, "signature.der"))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
