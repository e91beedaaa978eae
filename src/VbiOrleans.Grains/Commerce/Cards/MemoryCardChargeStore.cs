namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>The Local profile's card charges, in this process (nothing survives a restart, as with the test-mode provider).</summary>
public sealed class MemoryCardChargeStore : ICardChargeStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, CardChargeRow> _rows = new(StringComparer.Ordinal);

    public Task RecordCaptureAsync(CardChargeRow row)
    {
        lock (_gate) _rows.TryAdd(row.ChargeId, row);
        return Task.CompletedTask;
    }

    public Task<CardChargeRow?> FindAsync(string chargeId)
    {
        lock (_gate) return Task.FromResult(_rows.GetValueOrDefault(chargeId));
    }

    public Task<IReadOnlyList<CardChargeRow>> DueForDisputeCheckAsync(DateTimeOffset capturedSince, int limit)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CardChargeRow>>([.. _rows.Values
                .Where(r => r.DisputeId is null && r.CapturedAt >= capturedSince)
                .OrderBy(r => r.CheckedAt.HasValue).ThenBy(r => r.CheckedAt).ThenBy(r => r.CapturedAt)
                .Take(limit)]);
        }
    }

    public Task MarkCheckedAsync(IReadOnlyList<string> chargeIds, DateTimeOffset at)
    {
        lock (_gate)
        {
            foreach (var id in chargeIds)
                if (_rows.TryGetValue(id, out var row)) _rows[id] = row with { CheckedAt = at };
        }
        return Task.CompletedTask;
    }

    public Task<CardChargeRow> RecordDisputeAsync(string chargeId, string disputeId, long disputeMills, string reason, DateTimeOffset at)
    {
        lock (_gate)
        {
            var row = _rows[chargeId];
            if (row.DisputeId is null) _rows[chargeId] = row = row with { DisputeId = disputeId, DisputeMills = disputeMills, DisputeReason = reason, DisputedAt = at };
            return Task.FromResult(row);
        }
    }

    public Task<IReadOnlyList<CardChargeRow>> PendingChargebacksAsync(int limit)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CardChargeRow>>([.. _rows.Values
                .Where(r => r.DisputeId is not null && !r.ChargebackApplied).OrderBy(r => r.DisputedAt).Take(limit)]);
        }
    }

    public Task MarkChargebackAppliedAsync(string chargeId)
    {
        lock (_gate)
        {
            if (_rows.TryGetValue(chargeId, out var row)) _rows[chargeId] = row with { ChargebackApplied = true };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<CardChargeRow>> ChargesOfCustomerAsync(string customerId, int limit)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CardChargeRow>>([.. _rows.Values
                .Where(r => r.CustomerId == customerId).OrderByDescending(r => r.CapturedAt).ThenByDescending(r => r.ChargeId, StringComparer.Ordinal).Take(limit)]);
        }
    }
}
