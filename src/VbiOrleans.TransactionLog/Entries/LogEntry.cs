namespace VbiOrleans.TransactionLog.Entries;

/// <summary>
/// One committed transaction as the log records it: a Merkle leaf. Its encoding (version 1, big-endian,
/// see docs/transaction-log.md) is the leaf's data, so every byte of it is covered by the signed checkpoints.
/// <code>
/// u8 version = 1 | u64 index | u16 len, meter id (UTF-8, 1..255) | u64 meter sequence | u8 kind (not 0)
/// | i64 amount | i64 AR after | i64 DR after   -- mills (tenths of a cent)
/// | i64 time (UTC, Unix milliseconds) | u16 len, module serial (UTF-8, 0..255)
/// | u32 len, public payload (0..256 KiB) | u32 len, sealed secret (0, or 28..64 KiB + 28)
/// </code>
/// The public payload is what may be shown to an auditor (for a print, the indicium); the secret-bearing payload is
/// stored only sealed by <see cref="EntryCipher"/>, bound to this entry's index and meter.
/// </summary>
public sealed record LogEntry(
    long Index,
    string MeterId,
    long MeterSequence,
    LogTransactionKind Kind,
    long AmountMills,
    long AscendingAfterMills,
    long DescendingAfterMills,
    long TimeUnixMs,
    string ModuleSerial,
    byte[] PublicPayload,
    byte[] SealedSecret)
{
    public const byte CurrentVersion = 1;
    public const int MaxMeterIdBytes = 255;
    public const int MaxModuleSerialBytes = 255;
    public const int MaxPublicPayloadBytes = 256 * 1024;
    public const int MaxSealedSecretBytes = 64 * 1024 + EntryCipher.Overhead;

    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(TimeUnixMs);

    /// <summary>The leaf data. Throws <see cref="ArgumentException"/> for a field out of range: a writer bug.</summary>
    public byte[] Encode()
    {
        if (Problem() is { } problem) throw new ArgumentException(problem);
        var w = new BigEndianWriter();
        w.Byte(CurrentVersion);
        w.Int64(Index);
        w.ShortString(MeterId);
        w.Int64(MeterSequence);
        w.Byte((byte)Kind);
        w.Int64(AmountMills);
        w.Int64(AscendingAfterMills);
        w.Int64(DescendingAfterMills);
        w.Int64(TimeUnixMs);
        w.ShortString(ModuleSerial);
        w.Bytes(PublicPayload);
        w.Bytes(SealedSecret);
        return w.ToArray();
    }

    /// <summary>Reads exactly one entry: truncation, trailing bytes and out-of-range fields are refused by name.</summary>
    public static LogResult<LogEntry> Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var r = new BigEndianReader(bytes);
            var version = r.Byte("version");
            if (version != CurrentVersion)
            {
                return new LogError(LogErrorCode.UnsupportedVersion, $"entry version {version}; this code reads version {CurrentVersion}");
            }
            var index = r.NonNegativeInt64("index");
            var meterId = r.ShortString("meter id", MaxMeterIdBytes);
            var sequence = r.NonNegativeInt64("meter sequence");
            var kind = r.Byte("kind");
            var amount = r.Int64("amount");
            var ascending = r.Int64("AR after");
            var descending = r.Int64("DR after");
            var time = r.Int64("time");
            var moduleSerial = r.ShortString("module serial", MaxModuleSerialBytes);
            var publicPayload = r.Bytes("public payload", MaxPublicPayloadBytes);
            var sealedSecret = r.Bytes("sealed secret", MaxSealedSecretBytes);
            r.End("the entry");

            var entry = new LogEntry(index, meterId, sequence, (LogTransactionKind)kind, amount, ascending, descending, time,
                moduleSerial, publicPayload, sealedSecret);
            return entry.Problem() is { } problem ? new LogError(LogErrorCode.InvalidField, problem, index) : entry;
        }
        catch (DecodeException e)
        {
            return e.ToError();
        }
    }

    /// <summary>The secret-bearing payload in clear; see <see cref="EntryCipher.Open"/>.</summary>
    public LogResult<byte[]> OpenSecret(ReadOnlySpan<byte> key) => EntryCipher.Open(key, Index, MeterId, SealedSecret);

    public bool Equals(LogEntry? other) =>
        other is not null && Index == other.Index && MeterId == other.MeterId && MeterSequence == other.MeterSequence
        && Kind == other.Kind && AmountMills == other.AmountMills && AscendingAfterMills == other.AscendingAfterMills
        && DescendingAfterMills == other.DescendingAfterMills && TimeUnixMs == other.TimeUnixMs
        && ModuleSerial == other.ModuleSerial && PublicPayload.AsSpan().SequenceEqual(other.PublicPayload)
        && SealedSecret.AsSpan().SequenceEqual(other.SealedSecret);

    public override int GetHashCode() => HashCode.Combine(Index, MeterId, MeterSequence, Kind);

    private string? Problem()
    {
        if (Index < 0) return $"index {Index} is negative";
        if (MeterSequence < 0) return $"meter sequence {MeterSequence} is negative";
        if (Kind == 0) return "transaction kind 0 is not a kind";
        if (MeterId is null || MeterId.Length == 0) return "meter id is empty";
        if (ModuleSerial is null) return "module serial is null (use an empty string)";
        if (PublicPayload is null || SealedSecret is null) return "payloads are never null (use an empty array)";
        if (System.Text.Encoding.UTF8.GetByteCount(MeterId) > MaxMeterIdBytes) return $"meter id is over {MaxMeterIdBytes} bytes";
        if (System.Text.Encoding.UTF8.GetByteCount(ModuleSerial) > MaxModuleSerialBytes) return $"module serial is over {MaxModuleSerialBytes} bytes";
        if (PublicPayload.Length > MaxPublicPayloadBytes) return $"public payload is over {MaxPublicPayloadBytes} bytes";
        if (SealedSecret.Length > MaxSealedSecretBytes) return $"sealed secret is over {MaxSealedSecretBytes} bytes";
        if (SealedSecret.Length is > 0 and < EntryCipher.Overhead) return $"a sealed secret is empty or at least {EntryCipher.Overhead} bytes (nonce and tag)";
        return null;
    }
}
