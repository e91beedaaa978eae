namespace VbiOrleans.Grains.Log;

/// <summary>The transaction log's settings (section <c>Vbi:Log</c>).</summary>
public sealed class LogOptions
{
    public const string Section = "Vbi:Log";

    /// <summary>The log's name in its checkpoints (the C2SP origin line) and the key name on their signatures.</summary>
    public string Origin { get; set; } = "vbiorleans.example/log";

    /// <summary>How often appended records are sealed into the tree and a checkpoint is signed.</summary>
    public TimeSpan SealInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Ship to the archive at least this often ...</summary>
    public TimeSpan ShipInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>... or as soon as this many sealed entries wait.</summary>
    public int ShipEntries { get; set; } = 10_000;

    /// <summary>How often the postal and module stores are snapshotted to the archive (Cluster profile).</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>At most this many entries in one archived segment.</summary>
    public int MaxSegmentEntries { get; set; } = 50_000;

    /// <summary>
    /// The widest consistency proof served (<c>to - from</c>, in entries): the entries in between are read and hashed
    /// to make it. A party further behind proves its way forward through checkpoints in between (the archive keeps them all).
    /// </summary>
    public long MaxProofLeaves { get; set; } = 1_000_000;
}
