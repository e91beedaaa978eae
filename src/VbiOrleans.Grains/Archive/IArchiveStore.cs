namespace VbiOrleans.Grains.Archive;

/// <summary>
/// Where transaction-log segments, checkpoints and snapshots are shipped: Azure Blob Storage (Azurite locally) in
/// the Cluster profile, a local folder in the Local profile. Objects are write-once: a name is never overwritten.
/// </summary>
public interface IArchiveStore
{
    /// <summary>A description for logs and health output, with no credentials in it.</summary>
    string Description { get; }

    /// <summary>Stores an object under a new name. Writing an existing name fails with <see cref="ArchiveConflictException"/>.</summary>
    Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>The object's bytes, or null if there is no such object.</summary>
    Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Names under a prefix, in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Reaches the store and makes sure its container exists; throws with the reason if it cannot.</summary>
    Task EnsureReadyAsync(CancellationToken cancellationToken = default);
}

public sealed class ArchiveConflictException(string name) : Exception($"the archive already holds an object named '{name}'");

/// <summary>Object names are relative paths of safe characters: letters, digits, '-', '_', '.', and '/' between parts.</summary>
public static class ArchiveNames
{
    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 512 || name.StartsWith('/') || name.EndsWith('/'))
            throw new ArgumentException($"invalid archive object name '{name}'", nameof(name));
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == "." || part == ".." ||
                !part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                throw new ArgumentException($"invalid archive object name '{name}'", nameof(name));
        }
    }
}
