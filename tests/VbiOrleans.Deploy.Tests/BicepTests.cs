namespace VbiOrleans.Deploy.Tests;

/// <summary>
/// The Azure deployment (bicep/) builds and lints with zero diagnostics under bicep/bicepconfig.json, whose rules
/// raise what matters (hard-coded cloud URLs, secrets in parameters and outputs, stale API versions) to errors.
/// Each command runs once over all files (--pattern) rather than once per file: the CLI's start-up is most of its
/// time, and the assertions below check that every file was covered.
/// </summary>
public sealed class BicepTests
{
    private static string[] BicepFiles => [.. Directory.GetFiles(BicepCli.DeploymentFolder, "*.bicep", SearchOption.AllDirectories).Order()];

    private static string[] ParameterFiles => [.. Directory.GetFiles(BicepCli.DeploymentFolder, "*.bicepparam", SearchOption.AllDirectories).Order()];

    private static string Relative(string path) => Path.GetRelativePath(BicepCli.DeploymentFolder, path);

    [Fact]
    public void The_deployment_has_both_stages_their_modules_and_parameters()
    {
        var files = BicepFiles.Select(Relative).ToArray();
        Assert.Contains("main.bicep", files);
        Assert.Contains("stage2.bicep", files);
        Assert.True(files.Count(f => f.StartsWith("modules" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) >= 10, string.Join(", ", files));
        var parameters = ParameterFiles.Select(Relative).ToArray();
        Assert.Equal(["main.bicepparam", "stage2.bicepparam"], parameters);
        Assert.True(File.Exists(Path.Combine(BicepCli.DeploymentFolder, "bicepconfig.json")));
    }

    [Fact]
    public async Task Every_bicep_file_builds_with_no_diagnostics()
    {
        var output = Directory.CreateTempSubdirectory("vbi-bicep-build-");
        try
        {
            var result = await BicepCli.RunAsync(BicepCli.DeploymentFolder, "build", "--pattern", "**/*.bicep", "--outdir", output.FullName);
            Assert.True(result.ExitCode == 0, $"bicep build exited {result.ExitCode}:\n{result.Output}");
            Assert.Empty(result.Diagnostics);
            foreach (var file in BicepFiles)
            {
                var template = Path.Combine(output.FullName, Path.ChangeExtension(Relative(file), ".json"));
                Assert.True(File.Exists(template), $"{Relative(file)} was not built");
                Assert.Contains("\"$schema\"", await File.ReadAllTextAsync(template));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Every_bicep_and_parameters_file_lints_with_no_diagnostics()
    {
        foreach (var pattern in new[] { "**/*.bicep", "**/*.bicepparam" })
        {
            var result = await BicepCli.RunAsync(BicepCli.DeploymentFolder, "lint", "--pattern", pattern);
            Assert.True(result.ExitCode == 0, $"bicep lint {pattern} exited {result.ExitCode}:\n{result.Output}");
            Assert.Empty(result.Diagnostics);
        }
    }

    [Fact]
    public async Task Every_parameters_file_builds_against_its_template()
    {
        var output = Directory.CreateTempSubdirectory("vbi-bicep-params-");
        try
        {
            var result = await BicepCli.RunAsync(BicepCli.DeploymentFolder, "build-params", "--pattern", "**/*.bicepparam", "--outdir", output.FullName);
            Assert.True(result.ExitCode == 0, $"bicep build-params exited {result.ExitCode}:\n{result.Output}");
            Assert.Empty(result.Diagnostics);
            foreach (var file in ParameterFiles)
            {
                var parameters = Path.Combine(output.FullName, Path.ChangeExtension(Relative(file), ".parameters.json"));
                var built = File.Exists(parameters) ? parameters : Path.Combine(output.FullName, Path.ChangeExtension(Relative(file), ".json"));
                Assert.True(File.Exists(built), $"{Relative(file)} was not built (looked for {parameters})");
                Assert.Contains("\"parameters\"", await File.ReadAllTextAsync(built));
            }
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_stage_two_script_parses()
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardError = true };
        foreach (var argument in new[] { "-n", Path.Combine(BicepCli.DeploymentFolder, "stage2.sh") }) start.ArgumentList.Add(argument);
        using var bash = System.Diagnostics.Process.Start(start)!;
        var errors = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.True(bash.ExitCode == 0, errors);
    }

    [Fact]
    public void No_file_uses_a_registry_module()
    {
        foreach (var file in BicepFiles.Concat(ParameterFiles))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("'br/", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'ts:", text, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The checks above would notice a warning: a file with an unused parameter, linted with the CLI's default rules
    /// (where that rule is a warning and the exit code stays 0), yields a diagnostic; under bicep/bicepconfig.json a
    /// hard-coded cloud URL fails the lint outright.
    /// </summary>
    [Fact]
    public async Task A_warning_or_a_raised_rule_is_reported()
    {
        var scratch = Directory.CreateTempSubdirectory("vbi-bicep-bad-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(scratch.FullName, "bad.bicep"),
                "param unused string = 'x'\noutput endpoint string = 'https://management.azure.com/'\n");
            var defaults = await BicepCli.RunAsync(scratch.FullName, "lint", "bad.bicep");
            Assert.Equal(0, defaults.ExitCode);
            Assert.Contains(defaults.Diagnostics, d => d.Contains("Warning no-unused-params", StringComparison.Ordinal));

            File.Copy(Path.Combine(BicepCli.DeploymentFolder, "bicepconfig.json"), Path.Combine(scratch.FullName, "bicepconfig.json"));
            var ours = await BicepCli.RunAsync(scratch.FullName, "lint", "bad.bicep");
            Assert.NotEqual(0, ours.ExitCode);
            Assert.Contains(ours.Diagnostics, d => d.Contains("Error no-hardcoded-env-urls", StringComparison.Ordinal));
            Assert.Contains(ours.Diagnostics, d => d.Contains("Error no-unused-params", StringComparison.Ordinal));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
