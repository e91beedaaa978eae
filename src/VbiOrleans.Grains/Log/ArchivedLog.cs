using System.Text;
using VbiOrleans.Grains.Archive;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Merkle;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Segments;
using VbiOrleans.TransactionLog.Verification;
using LogCheckpoint = VbiOrleans.TransactionLog.Notes.Checkpoint;

namespace VbiOrleans.Grains.Log;

/// <summary>An archived entry: decoded, with its bytes and its leaf hash.</summary>
public sealed record ArchivedEntry(LogEntry Entry, byte[] Bytes, byte[] LeafHash);

/// <summary>
/// The transaction log as the archive holds it, read whole and verified (<see cref="LogVerifier"/>): what
/// <c>vbi-admin verify-log</c> checks, and what <c>vbi-admin restore-snapshot --module</c> puts back into the log store
/// of a module database that was lost. The entries' secrets stay sealed: reading them needs the log key, which only
/// the module's HSM can unwrap from <see cref="KeyToken"/>.
/// </summary>
public sealed class ArchivedLog
{
    private ArchivedLog(LogVerificationResult verification) => Verification = verification;

    public LogVerificationResult Verification { get; }

    /// <summary>Every archived entry from index 0, when the archive verifies; empty otherwise.</summary>
    public IReadOnlyList<ArchivedEntry> Entries { get; private init; } = [];

    /// <summary>The signed checkpoints, smallest first, each with the Merkle accumulator at its size.</summary>
    public IReadOnlyList<StoredCheckpoint> Checkpoints { get; private init; } = [];

    /// <summary>The log key wrapped by the module master key (<see cref="LogArchiveLayout.KeyTokenName"/>), or null if the archive lacks it.</summary>
    public byte[]? KeyToken { get; private init; }

    /// <summary>
    /// How far the archive counts as shipped: its last signed checkpoint. Entries archived beyond it (a ship cut off
    /// before its checkpoint) are imported too; the sealer signs a checkpoint over them and ships only that.
    /// </summary>
    public long ShippedSize => Checkpoints.Count == 0 ? 0 : Checkpoints[^1].Size;

    /// <summary>
    /// Reads every segment and checkpoint of the home log in the archive and verifies them against <paramref name="verifier"/>,
    /// reporting progress on <paramref name="progress"/> for long archives.
    /// </summary>
    public static Task<ArchivedLog> ReadAsync(IArchiveStore store, NoteVerifier verifier, TextWriter progress, CancellationToken cancellationToken = default) =>
        ReadAsync(store, LogArchiveLayout.Home, verifier, verifier.KeyName, progress, cancellationToken);

    /// <summary>
    /// Reads one log's segments and checkpoints from its place in the archive (<paramref name="layout"/>) and verifies
    /// them: signed by <paramref name="verifier"/>'s key, every checkpoint carrying <paramref name="origin"/>.
    /// </summary>
    public static async Task<ArchivedLog> ReadAsync(IArchiveStore store, LogArchiveLayout layout, NoteVerifier verifier, string origin, TextWriter progress,
        CancellationToken cancellationToken = default)
    {
        var names = await store.ListAsync(layout.SegmentsPrefix, cancellationToken);
        var segments = new List<byte[]>(names.Count);
        for (var i = 0; i < names.Count; i++)
        {
            segments.Add(await store.GetAsync(names[i], cancellationToken) ?? throw new IOException($"{names[i]} was listed but cannot be read"));
            if (names.Count > 20 && (i + 1) % Math.Max(1, names.Count / 20) == 0) progress.WriteLine($"read {i + 1}/{names.Count} segments");
        }
        var notes = new List<string>();
        foreach (var name in await store.ListAsync(layout.CheckpointsPrefix, cancellationToken))
            notes.Add(Encoding.UTF8.GetString(await store.GetAsync(name, cancellationToken) ?? throw new IOException($"{name} was listed but cannot be read")));

        var verification = new LogVerifier(verifier, origin).Verify(segments, notes);
        if (!verification.Ok) return new ArchivedLog(verification);

        var entries = new List<ArchivedEntry>();
        foreach (var file in segments)
        {
            // The verifier has read every segment; a parse failure here would be a verifier defect.
            var segment = LogSegment.Parse(file);
            if (!segment.IsSuccess) throw new InvalidOperationException($"a verified segment does not parse: {segment.Error}");
            var decoded = segment.Value.DecodeEntries();
            for (var i = 0; i < decoded.Count; i++)
                entries.Add(new ArchivedEntry(decoded[i], segment.Value.Entries[i], MerkleTree.LeafHash(segment.Value.Entries[i])));
        }
        entries.Sort((a, b) => a.Entry.Index.CompareTo(b.Entry.Index));

        var signed = notes.Select(n => (Note: n, Checkpoint: LogCheckpoint.Open(n, verifier)))
            .Where(c => c.Checkpoint.IsSuccess && c.Checkpoint.Value.Size <= entries.Count)
            .GroupBy(c => c.Checkpoint.Value.Size).Select(g => g.First())
            .OrderBy(c => c.Checkpoint.Value.Size).ToList();
        var checkpoints = new List<StoredCheckpoint>(signed.Count);
        var tree = new MerkleAccumulator();
        var next = 0;
        foreach (var entry in entries)
        {
            tree.Append(entry.LeafHash);
            while (next < signed.Count && signed[next].Checkpoint.Value.Size == tree.Size)
            {
                var (note, checkpoint) = signed[next++];
                var root = tree.RootHash();
                if (!root.AsSpan().SequenceEqual(checkpoint.Value.RootHash))
                    throw new InvalidOperationException($"the verified checkpoint at size {tree.Size} does not match the archived entries");
                checkpoints.Add(new StoredCheckpoint(tree.Size, root, note, LogSealerGrain.EncodeAccumulator(tree)));
            }
        }

        return new ArchivedLog(verification)
        {
            Entries = entries,
            Checkpoints = checkpoints,
            KeyToken = await store.GetAsync(layout.KeyTokenName, cancellationToken),
        };
    }
}
