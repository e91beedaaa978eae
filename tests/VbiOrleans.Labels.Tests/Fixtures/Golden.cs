namespace VbiOrleans.Labels.Tests.Fixtures;

/// <summary>
/// Golden files in the source tree (tests/VbiOrleans.Labels.Tests/Golden). Set VBI_UPDATE_GOLDEN=1 to rewrite them
/// from the current renderer, then review the diff (the PNGs are worth opening) before committing.
/// </summary>
internal static class Golden
{
    public const string UpdateVariable = "VBI_UPDATE_GOLDEN";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>The Golden folder next to this project's csproj, found by walking up from the test binaries.</summary>
    public static string Directory { get; } = FindDirectory();

    public static void AssertMatches(string name, byte[] actual)
    {
        var path = Path.Combine(Directory, name);
        if (Updating)
        {
            File.WriteAllBytes(path, actual);
            return;
        }

        if (!File.Exists(path))
        {
            Assert.Fail($"Golden file {path} does not exist. Create it with {UpdateVariable}=1 dotnet test tests/VbiOrleans.Labels.Tests");
        }

        var expected = File.ReadAllBytes(path);
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return;
        }

        var actualPath = Tools.Keep(Tools.TempFile("actual-" + name));
        File.WriteAllBytes(actualPath, actual);
        int firstDifference = 0;
        while (firstDifference < Math.Min(expected.Length, actual.Length) && expected[firstDifference] == actual[firstDifference])
        {
            firstDifference++;
        }

        Assert.Fail(
            $"{name} differs from its golden file (expected {expected.Length} bytes, got {actual.Length}; first difference at byte {firstDifference}). " +
            $"Actual output: {actualPath}. If the change is intended, regenerate with " +
            $"`{UpdateVariable}=1 dotnet test tests/VbiOrleans.Labels.Tests` and review the files in {Directory}.");
    }

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VbiOrleans.Labels.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "Golden");
            }
        }

        throw new InvalidOperationException($"No VbiOrleans.Labels.Tests.csproj above {AppContext.BaseDirectory}");
    }
}
