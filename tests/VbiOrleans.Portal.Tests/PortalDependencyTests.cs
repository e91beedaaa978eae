using System.Text.RegularExpressions;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests;

/// <summary>
/// The portal, like the API, depends on grain interfaces and wire records only: no page or portal class names a grain
/// class, the log store, the archive or the HSM (the rule of tests/VbiOrleans.Host.Tests/Api/ApiDependencyTests).
/// </summary>
public sealed partial class PortalDependencyTests
{
    [GeneratedRegex(@"\bVbiOrleans\.(Grains|Hsm)\b|\bGrains\.(Log|Archive|Modules|Meters|Customers|Partners)\b|\b(ModuleCrypto|IHsm|ILogStore|IArchiveStore|TransactionLog|SnapshotSources)\b")]
    private static partial Regex SiloSide();

    [Fact]
    public void No_file_of_the_portal_uses_a_grain_class_the_log_store_or_the_HSM()
    {
        var folder = Path.Combine(LocalServices.RepositoryRoot, "src", "VbiOrleans.Host", "Portal");
        var files = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories).Concat(Directory.GetFiles(folder, "*.razor", SearchOption.AllDirectories)).ToList();
        Assert.Contains(files, f => f.EndsWith(".razor", StringComparison.Ordinal));
        var found = files
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && SiloSide().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, "the portal reaches past the grain interfaces:\n" + string.Join("\n", found));
    }
}
