using System.Diagnostics;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Readme;

/// <summary>
/// infra/test.sh ends, after a failed run, with infra/trx-failures.pl: every failed test's name, message and the top
/// of its stack, read back from the .trx files, so the last lines of a CI log say what failed and why.
/// </summary>
public sealed class TrxFailuresScriptTests
{
    private const string Trx = """
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun id="1" xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <Results>
            <UnitTestResult executionId="a" testId="1" testName="Ns.Quiet.Passes" computerName="vm" duration="00:00:00.01" outcome="Passed" testListId="l" />
            <UnitTestResult executionId="b" testId="2" testName="Ns.Loud.Passes_with_output" computerName="vm" duration="00:00:00.02" outcome="Passed" testListId="l"><Output><StdOut>all fine</StdOut></Output></UnitTestResult>
            <UnitTestResult executionId="c" testId="3" testName="Ns.Broken.Fails(text: &quot;x&quot;)" computerName="vm" duration="00:00:02.5000000" outcome="Failed" testListId="l"><Output><StdOut>seed 42</StdOut><ErrorInfo><Message>Assert.Equal() Failure: Values differ
        Expected: &lt;3&gt; &amp; more
        Actual:   4</Message><StackTrace>   at Ns.Broken.Fails() in /src/Broken.cs:line 10
           at frame 2
           at frame 3
           at frame 4
           at frame 5
           at frame 6
           at frame 7
           at frame 8
           at frame 9
           at frame 10</StackTrace></ErrorInfo></Output></UnitTestResult>
          </Results>
        </TestRun>
        """;

    [Fact]
    public async Task A_failed_result_is_printed_with_its_message_and_the_top_of_its_stack_and_passed_ones_are_not()
    {
        var file = Path.Combine(Path.GetTempPath(), "vbi-trx-" + Guid.NewGuid().ToString("N")[..8] + ".trx");
        await File.WriteAllTextAsync(file, Trx);
        try
        {
            var (exit, output) = await RunAsync(file);
            Assert.Equal(0, exit);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("FAILED Ns.Broken.Fails(text: \"x\") [00:00:02.5000000]", lines[0]);
            Assert.Equal("    Expected: <3> & more", lines[2]);
            Assert.Contains("    at Ns.Broken.Fails() in /src/Broken.cs:line 10", output, StringComparison.Ordinal);
            Assert.Contains("at frame 8", output, StringComparison.Ordinal);
            Assert.DoesNotContain("at frame 9", output, StringComparison.Ordinal);
            Assert.Contains("... (2 more lines)", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Passes", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_run_without_failures_prints_nothing()
    {
        var file = Path.Combine(Path.GetTempPath(), "vbi-trx-" + Guid.NewGuid().ToString("N")[..8] + ".trx");
        await File.WriteAllTextAsync(file, Trx.Replace("outcome=\"Failed\"", "outcome=\"Passed\"", StringComparison.Ordinal));
        try
        {
            var (exit, output) = await RunAsync(file);
            Assert.Equal(0, exit);
            Assert.Equal("", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string trx)
    {
        var script = Path.Combine(LocalServices.RepositoryRoot, "infra", "trx-failures.pl");
        using var process = Process.Start(new ProcessStartInfo("perl", [script, trx]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal("", await errors);
        return (process.ExitCode, await output);
    }
}
