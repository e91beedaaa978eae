using System.Text;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Domain.Checkpoints;

/// <summary>
/// The record of one committed PSD transaction that module memory and the postal store both keep:
/// {meter, sequence, transaction type, amount, AR, DR, module serial, time, the meter's totals downloaded,
/// printed (AR) and refunded}, with a MAC under the checkpoint MAC key, which only the module holds.
/// </summary>
public sealed record Checkpoint(
    MeterId MeterId,
    long Sequence,
    TransactionKind Kind,
    Mills Amount,
    Mills Ascending,
    Mills Descending,
    string ModuleSerial,
    DateTimeOffset At,
    Mills TotalDownloaded,
    Mills TotalRefunded,
    Mills TotalWithdrawn,
    byte[] Mac)
{
    /// <summary>The checkpoint of the package a transition produced; its MAC is added by the module.</summary>
    public static Checkpoint Of(PsdTransition transition, string moduleSerial, DateTimeOffset at) => new(
        transition.Next.MeterId, transition.Next.Sequence, transition.Kind, transition.Amount,
        transition.Next.Registers.Ascending, transition.Next.Registers.Descending, moduleSerial, at,
        transition.Next.Totals.TotalDownloaded, transition.Next.Totals.TotalRefunded, transition.Next.Totals.TotalWithdrawn, []);

    /// <summary>The bytes the MAC covers: every field, fixed order, little-endian, strings length-prefixed.</summary>
    public byte[] MacInput()
    {
        using var stream = new MemoryStream(128);
        using var w = new BinaryWriter(stream, Encoding.UTF8);   // little-endian; strings length-prefixed
        w.Write("vbi-ckpt1"u8);
        w.Write(MeterId.Value);
        w.Write(Sequence);
        w.Write((int)Kind);
        w.Write(Amount.Value);
        w.Write(Ascending.Value);
        w.Write(Descending.Value);
        w.Write(ModuleSerial);
        w.Write(At.UtcTicks);
        w.Write(TotalDownloaded.Value);
        w.Write(TotalRefunded.Value);
        w.Write(TotalWithdrawn.Value);
        w.Flush();
        return stream.ToArray();
    }

    /// <summary>Same transaction, same MAC: what the recovery matrix compares.</summary>
    public bool SameAs(Checkpoint? other) => Equals(other);

    public bool Equals(Checkpoint? other) =>
        other is not null && MeterId == other.MeterId && Sequence == other.Sequence && Kind == other.Kind && Amount == other.Amount
        && Ascending == other.Ascending && Descending == other.Descending && ModuleSerial == other.ModuleSerial && At == other.At
        && TotalDownloaded == other.TotalDownloaded && TotalRefunded == other.TotalRefunded && TotalWithdrawn == other.TotalWithdrawn
        && Mac.AsSpan().SequenceEqual(other.Mac);

    public override int GetHashCode() => HashCode.Combine(MeterId, Sequence, Kind, Amount, Ascending, Descending, At);

    public override string ToString() => $"{MeterId}#{Sequence} {Kind} {Amount} AR={Ascending} DR={Descending} by {ModuleSerial} at {At:O}";
}
