namespace VbiOrleans.Export.Sinks;

/// <summary>
/// A folder (the Local profile, manual runs): <c>{root}/dss/date=YYYY-MM-DD/…</c>. A file is written beside its
/// final name and moved over it, so a reader never sees half a file; a run killed mid-write leaves only the
/// <c>.partial</c> file, which the next run of the day removes.
/// </summary>
public sealed class FolderExportSink(string root) : IExportSink
{
    public const string PartialSuffix = ".partial";

    private readonly string _root = Path.GetFullPath(Path.Combine(root, "dss"));

    public string Description => $"folder {_root}";

    public Task EnsureReadyAsync(CancellationToken cancellationToken) =>
        Io(() => Directory.CreateDirectory(_root));

    public Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken) => Io<IReadOnlyList<string>>(() =>
    {
        var folder = Path.Combine(_root, Path.GetDirectoryName(prefix.Replace('/', Path.DirectorySeparatorChar)) ?? "");
        if (!Directory.Exists(folder)) return [];
        return [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(_root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    });

    public Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => Io(async () =>
    {
        var path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = path + PartialSuffix;
        await File.WriteAllBytesAsync(partial, content, cancellationToken);
        File.Move(partial, path, overwrite: true);
    });

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => Io(() =>
    {
        var path = PathOf(name);
        if (File.Exists(path)) File.Delete(path);
    });

    private string PathOf(string name)
    {
        var path = Path.GetFullPath(Path.Combine(_root, name));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' is not a name inside the export folder");
        return path;
    }

    private static async Task Io(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExportException(ExportFailure.SinkUnavailable, $"the export folder failed: {e.Message}", e);
        }
    }

    private static Task Io(Action action) => Io(() =>
    {
        action();
        return Task.CompletedTask;
    });

    private static Task<T> Io<T>(Func<T> read)
    {
        try
        {
            return Task.FromResult(read());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ExportException(ExportFailure.SinkUnavailable, $"the export folder failed: {e.Message}", e);
        }
    }
}
