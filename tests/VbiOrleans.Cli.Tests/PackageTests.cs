using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace VbiOrleans.Cli.Tests;

/// <summary>
/// The SDK and the CLI as their users install them: <c>dotnet pack</c> of the protocol, the SDK and the CLI into a
/// temporary feed, the packages' contents, the tool installed from that feed with <c>dotnet tool install</c> and run, and
/// a program that references the SDK package built and run.
/// </summary>
public sealed partial class PackageTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    [Fact]
    public void The_SDK_package_carries_its_readme_licence_and_symbols_and_depends_on_the_protocol_package()
    {
        using var package = ZipFile.OpenRead(feed.Package("VbiOrleans.Client"));
        var metadata = Nuspec(package, "VbiOrleans.Client.nuspec");

        Assert.Equal("VbiOrleans.Client", Value(metadata, "id"));
        Assert.Equal(feed.Version, Value(metadata, "version"));
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.Equal("expression", metadata.Element(metadata.Name.Namespace + "license")!.Attribute("type")!.Value);
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "authors")));
        Assert.Equal(feed.RepositoryFile("src/VbiOrleans.Client/README.md"), Entry(package, "README.md"));
        Assert.Equal(feed.RepositoryFile("LICENSE"), Entry(package, "LICENSE"));
        Assert.NotNull(package.GetEntry("lib/net10.0/VbiOrleans.Client.dll"));
        Assert.Null(package.GetEntry("lib/net10.0/VbiOrleans.Protocol.dll"));

        // The protocol comes as its own package, of the same version, which the feed holds.
        var dependency = Assert.Single(metadata.Descendants(metadata.Name.Namespace + "dependency"));
        Assert.Equal("VbiOrleans.Protocol", dependency.Attribute("id")!.Value);
        Assert.Equal(feed.Version, dependency.Attribute("version")!.Value);
        using var protocol = ZipFile.OpenRead(feed.Package("VbiOrleans.Protocol"));
        Assert.NotNull(protocol.GetEntry("lib/net10.0/VbiOrleans.Protocol.dll"));
        Assert.Equal("MIT", Value(Nuspec(protocol, "VbiOrleans.Protocol.nuspec"), "license"));

        using var symbols = ZipFile.OpenRead(feed.SymbolPackage("VbiOrleans.Client"));
        Assert.NotNull(symbols.GetEntry("lib/net10.0/VbiOrleans.Client.pdb"));
        using var protocolSymbols = ZipFile.OpenRead(feed.SymbolPackage("VbiOrleans.Protocol"));
        Assert.NotNull(protocolSymbols.GetEntry("lib/net10.0/VbiOrleans.Protocol.pdb"));
    }

    [Fact]
    public void The_tool_package_is_the_command_vbi_with_the_SDK_and_the_protocol_inside()
    {
        using var package = ZipFile.OpenRead(feed.Package("vbi"));
        var metadata = Nuspec(package, "vbi.nuspec");

        Assert.Equal("vbi", Value(metadata, "id"));
        Assert.Equal("MIT", Value(metadata, "license"));
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.Equal("DotnetTool", metadata.Descendants(metadata.Name.Namespace + "packageType").Single().Attribute("name")!.Value);
        // A tool package is self-contained: it depends on no other package.
        Assert.Empty(metadata.Descendants(metadata.Name.Namespace + "dependency"));
        Assert.Equal(feed.RepositoryFile("src/VbiOrleans.Cli/README.md"), Entry(package, "README.md"));
        Assert.Equal(feed.RepositoryFile("LICENSE"), Entry(package, "LICENSE"));

        const string tool = "tools/net10.0/any/";
        var command = XDocument.Parse(Entry(package, tool + "DotnetToolSettings.xml")).Descendants("Command").Single();
        Assert.Equal("vbi", command.Attribute("Name")!.Value);
        Assert.Equal("vbi.dll", command.Attribute("EntryPoint")!.Value);
        foreach (var assembly in new[] { "vbi.dll", "VbiOrleans.Client.dll", "VbiOrleans.Protocol.dll", "System.CommandLine.dll" })
        {
            Assert.NotNull(package.GetEntry(tool + assembly));
        }

        using var symbols = ZipFile.OpenRead(feed.SymbolPackage("vbi"));
        Assert.NotNull(symbols.GetEntry(tool + "vbi.pdb"));
    }

    [Fact]
    public async Task The_installed_tool_runs_as_vbi()
    {
        var version = await feed.RunToolAsync("--version");
        Assert.Equal(0, version.Exit);
        // The installed tool is the build these tests run against.
        var built = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(built, version.Out.Trim());
        Assert.StartsWith(feed.Version, version.Out.Trim(), StringComparison.Ordinal);

        var help = await feed.RunToolAsync("--help");
        Assert.Equal(0, help.Exit);
        Assert.Contains("vbi [command] [options]", help.Out, StringComparison.Ordinal);
        foreach (var command in new[] { "register", "fund", "print", "verify", "rates", "address", "modules" })
        {
            Assert.Contains($"\n  {command} ", help.Out, StringComparison.Ordinal);
        }
        Assert.Contains(ExitCodes.HelpText, help.Out, StringComparison.Ordinal);

        // A command that goes through the SDK: nothing listens on port 1, so the server is unavailable (exit 3).
        var status = await feed.RunToolAsync("status", "--server", "http://127.0.0.1:1");
        Assert.Equal(ExitCodes.Unavailable, status.Exit);
    }

    [Fact]
    public async Task A_project_that_references_the_SDK_package_builds_with_the_README_example_and_runs()
    {
        // The SDK and, through its dependency, the protocol, restored from the feed alone into a fresh package folder.
        // The example of the package's README is compiled with it (not run: it needs a server).
        var readme = feed.RepositoryFile("src/VbiOrleans.Client/README.md");
        var example = ReadmeExample().Match(readme);
        Assert.True(example.Success, "the SDK's README has no csharp example");
        var lines = example.Groups["body"].Value.Split('\n');
        var directives = lines.Where(l => UsingDirective().IsMatch(l)).ToList();
        var body = lines.Where(l => !UsingDirective().IsMatch(l));
        var app = await feed.RunConsumerAsync("""
            using VbiOrleans.Client;
            using VbiOrleans.Protocol.Registration;

            Console.WriteLine(VbiClientOptions.DefaultBaseAddress);
            Console.WriteLine(RegistrationClient.NewHmk().Length);
            Console.WriteLine(VbiClient.NewIdempotencyKey().Length);
            """,
            $$"""
            {{string.Join('\n', directives)}}

            internal static class ReadmeExample
            {
                public static async Task RunAsync()
                {
            {{string.Join('\n', body)}}
                }
            }
            """);

        Assert.True(app.Exit == 0, $"the consumer failed ({app.Exit}):\n{app.Out}\n{app.Err}");
        Assert.Equal(["http://127.0.0.1:5080/", "32", "32"], app.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.True(File.Exists(feed.RestoredPackage("VbiOrleans.Client")));
        Assert.True(File.Exists(feed.RestoredPackage("VbiOrleans.Protocol")));
    }

    [GeneratedRegex(@"```csharp\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeExample();

    [GeneratedRegex(@"^using [A-Za-z.]+;$")]
    private static partial Regex UsingDirective();

    private static XElement Nuspec(ZipArchive package, string name) =>
        XDocument.Parse(Entry(package, name)).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    private static string Value(XElement metadata, string name) => metadata.Element(metadata.Name.Namespace + name)?.Value ?? "";

    private static string Entry(ZipArchive package, string name)
    {
        var entry = package.GetEntry(name);
        Assert.True(entry is not null, $"the package has no {name}: {string.Join(", ", package.Entries.Select(e => e.FullName))}");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }
}

/// <summary>
/// Packs once per test class (packing is slow): the protocol, the SDK and the CLI from the build these tests run
/// against (<c>--no-build</c>, same configuration), into a temporary folder that is the only NuGet source of the
/// install, so nothing is fetched from the network; then installs the tool there.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>Bounds each dotnet command and each run of the tool.</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private static readonly string[] Projects = ["VbiOrleans.Protocol", "VbiOrleans.Client", "VbiOrleans.Cli"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "vbi-pack-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _repository = FindRepositoryRoot();
    private readonly string _dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>The .NET installation this test runs on: three levels above its shared/Microsoft.NETCore.App/VERSION/.</summary>
    private static readonly string DotnetRoot =
        Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>The NuGet configuration of the install and the consumer's restore: the feed is the only source.</summary>
    private string ConfigFile => Path.Combine(_root, "nuget.config");

    private string Feed => Path.Combine(_root, "feed");

    private string Tools => Path.Combine(_root, "tools");

    /// <summary>The packages' version, read from the packed SDK's file name (the build sets it, not this test).</summary>
    public string Version { get; private set; } = "";

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public string SymbolPackage(string id) => Path.Combine(Feed, $"{id}.{Version}.snupkg");

    public string RepositoryFile(string relative) => File.ReadAllText(Path.Combine(_repository, relative));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var configuration = typeof(PackedFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        foreach (var project in Projects)
        {
            var pack = await RunAsync(_dotnet, _repository,
                ["pack", Path.Combine("src", project), "-c", configuration, "--no-build", "-o", Feed, "-nologo", "-v", "q"]);
            Assert.True(pack.Exit == 0, $"dotnet pack {project} failed ({pack.Exit}):\n{pack.Out}\n{pack.Err}");
        }

        var client = Path.GetFileName(Directory.GetFiles(Feed, "VbiOrleans.Client.*.nupkg").Single());
        Version = client["VbiOrleans.Client.".Length..^".nupkg".Length];

        new XDocument(new XElement("configuration",
            new XElement("packageSources", new XElement("clear"), new XElement("add", new XAttribute("key", "packed"), new XAttribute("value", Feed)))))
            .Save(ConfigFile);
        var install = await RunAsync(_dotnet, _root, ["tool", "install", "--tool-path", Tools, "--configfile", ConfigFile, "vbi"]);
        Assert.True(install.Exit == 0, $"dotnet tool install failed ({install.Exit}):\n{install.Out}\n{install.Err}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    public Task<(int Exit, string Out, string Err)> RunToolAsync(params string[] args) => RunAsync(Path.Combine(Tools, "vbi"), _root, args);

    private string Consumer => Path.Combine(_root, "consumer");

    /// <summary>The global packages folder of the consumer's restore: its own, so no stale copy of this version is used or left behind.</summary>
    private string ConsumerPackages => Path.Combine(_root, "packages");

    public string RestoredPackage(string id) => Path.Combine(ConsumerPackages, id.ToLowerInvariant(), Version, $"{id.ToLowerInvariant()}.{Version}.nupkg");

    /// <summary>Builds and runs a console program referencing VbiOrleans.Client: <paramref name="program"/> is its Program.cs, <paramref name="other"/> one more file.</summary>
    public async Task<(int Exit, string Out, string Err)> RunConsumerAsync(string program, string other)
    {
        Directory.CreateDirectory(Consumer);
        new XDocument(new XElement("Project", new XAttribute("Sdk", "Microsoft.NET.Sdk"),
            new XElement("PropertyGroup",
                new XElement("OutputType", "Exe"),
                new XElement("TargetFramework", "net10.0"),
                new XElement("ImplicitUsings", "enable"),
                new XElement("RestorePackagesPath", ConsumerPackages),
                new XElement("RestoreConfigFile", ConfigFile)),
            new XElement("ItemGroup", new XElement("PackageReference", new XAttribute("Include", "VbiOrleans.Client"), new XAttribute("Version", Version)))))
            .Save(Path.Combine(Consumer, "Consumer.csproj"));
        await File.WriteAllTextAsync(Path.Combine(Consumer, "Program.cs"), program);
        await File.WriteAllTextAsync(Path.Combine(Consumer, "Other.cs"), other);
        var build = await RunAsync(_dotnet, Consumer, ["build", "-c", "Release", "-nologo", "-v", "q", "-o", Path.Combine(Consumer, "out")]);
        if (build.Exit != 0) return build;
        return await RunAsync(_dotnet, Consumer, [Path.Combine(Consumer, "out", "Consumer.dll")]);
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(string file, string directory, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The test host's MSBuild settings would point the child dotnet at the wrong MSBuild.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // The tool's launcher finds the runtime this test runs on.
        info.Environment["DOTNET_ROOT"] = DotnetRoot;
        info.Environment.Remove("VBI_SERVER");

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {CommandTimeout}");
        }
        return (process.ExitCode, await output, await error);
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VbiOrleans.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find VbiOrleans.sln above " + AppContext.BaseDirectory);
    }
}
