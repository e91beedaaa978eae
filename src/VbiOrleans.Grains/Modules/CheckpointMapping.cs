using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Checkpoints;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Grains.Modules;

internal static class CheckpointMapping
{
    public static Checkpoint ToDomain(this CheckpointData c) => new(MeterId.Parse(c.MeterId), c.Sequence, c.Kind, new Mills(c.AmountMills),
        new Mills(c.AscendingMills), new Mills(c.DescendingMills), c.ModuleSerial, c.At, new Mills(c.TotalDownloadedMills),
        new Mills(c.TotalRefundedMills), new Mills(c.TotalWithdrawnMills), c.Mac);

    public static CheckpointData ToData(this Checkpoint c) => new(c.MeterId.Value, c.Sequence, c.Kind, c.Amount.Value, c.Ascending.Value,
        c.Descending.Value, c.ModuleSerial, c.At, c.TotalDownloaded.Value, c.TotalRefunded.Value, c.TotalWithdrawn.Value, c.Mac);

    public static CheckpointView ToView(this CheckpointData c) =>
        new(c.Sequence, c.Kind, c.AmountMills, c.AscendingMills, c.DescendingMills, c.ModuleSerial, c.At);

    public static RegistersView ToView(this PsdPackage p) =>
        new(p.Registers.Ascending.Value, p.Registers.Descending.Value, p.Registers.PieceCount, p.Sequence, p.State.ToString());
}
