using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Benchmarks;

/// <summary>What every meter's audit says against what the clients were acknowledged.</summary>
public sealed record VerificationReport(
    int MetersAudited,
    int ConservationViolations,
    int DoubleCharges,
    int Lost,
    int Inhibited,
    int CheckpointMismatches,
    IReadOnlyList<string> Findings)
{
    public bool Clean => ConservationViolations == 0 && DoubleCharges == 0 && Lost == 0;
}

/// <summary>
/// Reads every meter's <see cref="IMeterGrain.Audit"/> after the run and checks, per meter:
/// <list type="bullet">
/// <item>conservation (I1): AR + DR = total downloaded − total withdrawn;</item>
/// <item>double charge (I4): AR above the postage of the distinct acknowledged indicia, or more pieces than distinct
/// acknowledged indicia (a retry answered with the original result carries the same indicium id and counts once);</item>
/// <item>lost (I3): acknowledged indicia whose sequence is above the committed sequence, or fewer pieces (or distinct
/// sequences) than distinct acknowledged indicia.</item>
/// </list>
/// </summary>
public static class Verification
{
    private const int MaxFindings = 10;

    public static async Task<VerificationReport> VerifyAsync(IGrainFactory grains, MeterFleet fleet, IEnumerable<PrintAck> acks, CancellationToken cancellation)
    {
        var audits = new MeterAudit[fleet.MeterIds.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, audits.Length), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellation },
            async (i, ct) =>
            {
                var outcome = await IdempotentRetry.RunAsync(() => grains.GetGrain<IMeterGrain>(fleet.MeterIds[i]).Audit(), ct);
                audits[i] = outcome.Value ?? throw new BenchmarkFailure($"the audit of meter {fleet.MeterIds[i]} failed: {outcome.LastError!.Message}", outcome.LastError);
            });
        return Check(audits, acks);
    }

    /// <summary>The checks above on audits already read: audit i is of the meter the acks with MeterIndex i were printed on.</summary>
    public static VerificationReport Check(IReadOnlyList<MeterAudit> audits, IEnumerable<PrintAck> acks)
    {
        var byMeter = acks.ToLookup(a => a.MeterIndex);
        int conservation = 0, doubleCharges = 0, lost = 0, inhibited = 0, mismatches = 0;
        var findings = new List<string>();
        void Finding(string text)
        {
            if (findings.Count < MaxFindings) findings.Add(text);
        }

        for (var i = 0; i < audits.Count; i++)
        {
            var audit = audits[i];
            var registers = audit.Registers;
            var ar = registers?.AscendingMills ?? 0;
            var dr = registers?.DescendingMills ?? 0;
            var pieces = registers?.PieceCount ?? 0;
            var committed = registers?.Sequence ?? -1;

            var indicia = byMeter[i].DistinctBy(a => a.IndiciumId).ToList();
            var acknowledgedMills = indicia.Sum(a => a.PostageMills);
            var distinctSequences = indicia.Select(a => a.Sequence).Distinct().Count();

            if (ar + dr != audit.TotalDownloadedMills - audit.TotalWithdrawnMills)
            {
                conservation++;
                Finding($"{audit.MeterId}: AR {ar} + DR {dr} != downloaded {audit.TotalDownloadedMills} - withdrawn {audit.TotalWithdrawnMills}");
            }
            if (ar > acknowledgedMills || pieces > indicia.Count)
            {
                doubleCharges++;
                Finding($"{audit.MeterId}: AR {ar} mills and {pieces} pieces, but {indicia.Count} distinct indicia acknowledged for {acknowledgedMills} mills");
            }
            var aboveCommitted = indicia.Count(a => a.Sequence > committed);
            var missing = Math.Max(aboveCommitted, Math.Max(indicia.Count - (int)pieces, indicia.Count - distinctSequences));
            if (missing > 0)
            {
                lost += missing;
                Finding($"{audit.MeterId}: {missing} acknowledged indicia missing (committed sequence {committed}, {pieces} pieces, {indicia.Count} acknowledged, {aboveCommitted} above the committed sequence)");
            }
            if (audit.InhibitReason is not null)
            {
                inhibited++;
                Finding($"{audit.MeterId}: inhibited: {audit.InhibitReason}");
            }
            if (audit.PostalCheckpoint?.Sequence != (audit.ModuleMemory.Count > 0 ? audit.ModuleMemory[^1].Sequence : null))
            {
                mismatches++;
                Finding($"{audit.MeterId}: postal checkpoint sequence {audit.PostalCheckpoint?.Sequence} but module memory's latest is {(audit.ModuleMemory.Count > 0 ? audit.ModuleMemory[^1].Sequence : null)}");
            }
        }
        return new VerificationReport(audits.Count, conservation, doubleCharges, lost, inhibited, mismatches, findings);
    }
}
