using System.Diagnostics;
using System.Text.RegularExpressions;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Readme;

/// <summary>
/// The README starts with two commands that must stay true: the first runs the service (Local profile), the second
/// runs this suite. The second cannot run inside itself, so the test checks that .ci/run runs exactly it; the first
/// runs as written, on a fresh clone of the committed tree.
/// </summary>
public sealed partial class ReadmeCommandsTests
{
    private static readonly string Root = LocalServices.RepositoryRoot;

    private static IReadOnlyList<string> QuickStartBlocks()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("\n## Quick start\n", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no '## Quick start' section");
        var next = readme.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var section = next < 0 ? readme[start..] : readme[start..next];
        return [.. FencedBlock().Matches(section).Select(m => m.Groups["body"].Value.Trim())];
    }

    [Fact]
    public void Quick_start_holds_exactly_two_shell_blocks_and_ci_runs_the_second()
    {
        var blocks = QuickStartBlocks();
        Assert.Equal(2, blocks.Count);
        var ci = File.ReadAllLines(Path.Combine(Root, ".ci", "run"))
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("set ", StringComparison.Ordinal) && !l.StartsWith("cd ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal([blocks[1]], ci);
        Assert.Contains("infra/test.sh", File.ReadAllText(Path.Combine(Root, ".github", "workflows", "ci.yml")));
    }

    [Fact]
    public async Task The_first_command_runs_the_service_from_a_fresh_clone()
    {
        var runCommand = QuickStartBlocks()[0];
        var clone = Path.Combine(Path.GetTempPath(), "vbi-readme-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Assert.Equal(0, await RunAsync("git", ["clone", "--quiet", Root, clone], Root, TimeSpan.FromMinutes(2)));

            var info = new ProcessStartInfo("bash", ["-c", runCommand])
            {
                WorkingDirectory = clone,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            using var service = Process.Start(info)!;
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            service.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            service.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
            service.BeginOutputReadLine();
            service.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
                var ready = false;
                while (!ready && DateTime.UtcNow < deadline && !service.HasExited)
                {
                    try
                    {
                        ready = (await http.GetAsync("http://127.0.0.1:5080/health/ready")).IsSuccessStatusCode;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        await Task.Delay(1000);
                    }
                }
                Assert.True(ready, "the README's run command did not serve /health/ready on 127.0.0.1:5080:\n" + string.Join('\n', output.TakeLast(40)));
                Assert.Contains(output, l => l.Contains("Profile Local: nothing is durable", StringComparison.Ordinal));
            }
            finally
            {
                if (!service.HasExited) service.Kill(entireProcessTree: true);
                await service.WaitForExitAsync();
            }
        }
        finally
        {
            if (Directory.Exists(clone)) Directory.Delete(clone, recursive: true);
        }
    }

    private static async Task<int> RunAsync(string file, string[] args, string cwd, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { WorkingDirectory = cwd })!;
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    [GeneratedRegex(@"```(?:sh|bash|shell)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
