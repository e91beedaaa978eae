using System.Diagnostics;
using System.Text.Json;

namespace VbiOrleans.Testing;

/// <summary>
/// An independent reading of a NACHA file: @midlandsbank/node-nacha (installed by infra/local/services.sh at
/// $VBI_NODE_NACHA) run under node by nacha-parse.js, which prints what it parsed as JSON.
/// </summary>
public static class NodeNacha
{
    public static async Task<JsonElement> ParseAsync(byte[] file)
    {
        var library = LocalServices.Require("VBI_NODE_NACHA");
        var path = Path.Combine(Path.GetTempPath(), $"vbi-nacha-{Guid.NewGuid():N}.ach");
        await File.WriteAllBytesAsync(path, file);
        try
        {
            var start = new ProcessStartInfo("node")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["VBI_NODE_NACHA"] = library },
            };
            start.ArgumentList.Add(Path.Combine(LocalServices.RepositoryRoot, "tests", "VbiOrleans.Testing", "nacha-parse.js"));
            start.ArgumentList.Add(path);
            using var node = Process.Start(start)!;
            var stdout = node.StandardOutput.ReadToEndAsync();
            var stderr = node.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await node.WaitForExitAsync(timeout.Token);
            if (node.ExitCode != 0) throw new InvalidOperationException($"node-nacha failed ({node.ExitCode}): {await stderr}");
            return JsonDocument.Parse(await stdout).RootElement.Clone();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
