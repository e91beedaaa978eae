using System.Text.RegularExpressions;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// The HTTP API depends on grain interfaces and wire records only (docs/architecture.md), so it could run as an
/// Orleans client apart from the silos: no endpoint names a grain class, the log store, the archive or the HSM.
/// </summary>
public sealed partial class ApiDependencyTests
{
    [GeneratedRegex(@"\bVbiOrleans\.(Grains|Hsm)\b|\bGrains\.(Log|Archive|Modules|Meters|Customers|Partners)\b|\b(ModuleCrypto|IHsm|ILogStore|IArchiveStore|TransactionLog|SnapshotSources)\b")]
    private static partial Regex SiloSide();

    [Fact]
    public void No_file_of_the_API_uses_a_grain_class_the_log_store_or_the_HSM()
    {
        var folder = Path.Combine(LocalServices.RepositoryRoot, "src", "VbiOrleans.Host", "Api");
        var files = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var found = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && SiloSide().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, "the API reaches past the grain interfaces:\n" + string.Join("\n", found));
    }
}
