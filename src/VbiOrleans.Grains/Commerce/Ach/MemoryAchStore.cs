using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce.Ach;

/// <summary>The Local profile's ACH store: the same rules as <see cref="PostgresAchStore"/>, in this process's memory.</summary>
public sealed class MemoryAchStore : IAchStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AchDebitRow> _debits = new(StringComparer.Ordinal);
    private readonly Dictionary<DateOnly, AchFileRow> _files = [];
    private readonly Dictionary<string, AchReturnRow> _returns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _returnFiles = new(StringComparer.Ordinal);
    private long _traceSequence;

    public Task<AchDebitRow> QueueAsync(AchDebitRequest request, string odfiPrefix, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_debits.TryGetValue(request.PurchaseId, out var row))
            {
                var trace = odfiPrefix + (++_traceSequence).ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
                row = new AchDebitRow(request.PurchaseId, request.CustomerId, request.PaymentMethodId, request.AmountMills, request.EffectiveDate,
                    trace, AchDebitStatus.Queued, null, null, null, at, null, null, null, null, request.Direction);
                _debits[request.PurchaseId] = row;
            }
            return Task.FromResult(row);
        }
    }

    public Task<AchDebitRow?> FindByTraceAsync(string traceNumber)
    {
        lock (_gate) return Task.FromResult(_debits.Values.FirstOrDefault(d => d.TraceNumber == traceNumber));
    }

    public Task<IReadOnlyList<AchDebitRow>> DebitsOfCustomerAsync(string customerId, int limit)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<AchDebitRow>>([.. _debits.Values.Where(d => d.CustomerId == customerId)
                .OrderByDescending(d => d.QueuedAt).ThenByDescending(d => d.TraceNumber, StringComparer.Ordinal).Take(limit)]);
    }

    public Task<IReadOnlyList<AchDebitRow>> QueuedBeforeAsync(DateTimeOffset before, int limit)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<AchDebitRow>>([.. _debits.Values.Where(d => d.Status == AchDebitStatus.Queued && d.QueuedAt < before)
                .OrderBy(d => d.TraceNumber, StringComparer.Ordinal).Take(limit)]);
    }

    public Task<AchFileRow?> FindFileAsync(DateOnly date)
    {
        lock (_gate) return Task.FromResult(_files.GetValueOrDefault(date));
    }

    public Task<IReadOnlyList<AchFileRow>> FilesAsync(DateOnly? date, int limit)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<AchFileRow>>([.. _files.Values.Where(f => date is null || f.Date == date)
                .OrderByDescending(f => f.Date).Take(limit)]);
    }

    public Task<bool> CreateFileAsync(AchFileRow file, IReadOnlyList<(string PurchaseId, DateOnly SettleOn)> debits)
    {
        lock (_gate)
        {
            if (_files.ContainsKey(file.Date) || _files.Values.Any(f => f.FileId == file.FileId)) return Task.FromResult(false);
            if (debits.Any(d => !_debits.TryGetValue(d.PurchaseId, out var row) || row.Status != AchDebitStatus.Queued)) return Task.FromResult(false);
            _files[file.Date] = file;
            foreach (var (purchaseId, settleOn) in debits)
                _debits[purchaseId] = _debits[purchaseId] with { Status = AchDebitStatus.Sent, FileId = file.FileId, SettleOn = settleOn };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<AchDebitRow>> DebitsInFileAsync(string fileId)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<AchDebitRow>>([.. _debits.Values.Where(d => d.FileId == fileId).OrderBy(d => d.TraceNumber, StringComparer.Ordinal)]);
    }

    public Task MarkFileWrittenAsync(string fileId)
    {
        lock (_gate)
        {
            var file = _files.Values.Single(f => f.FileId == fileId);
            _files[file.Date] = file with { Written = true };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AchDebitRow>> DueForSettlementAsync(DateOnly asOf, int limit)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<AchDebitRow>>([.. _debits.Values
                .Where(d => d.Status == AchDebitStatus.Sent && d.SettleOn <= asOf && !_returns.ContainsKey(d.TraceNumber))
                .OrderBy(d => d.TraceNumber, StringComparer.Ordinal).Take(limit)]);
    }

    public Task MarkSettledAsync(string purchaseId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_debits[purchaseId].Status == AchDebitStatus.Sent)
                _debits[purchaseId] = _debits[purchaseId] with { Status = AchDebitStatus.Settled, SettledAt = at };
        }
        return Task.CompletedTask;
    }

    public Task<(AchReturnRow Row, bool Inserted)> RecordReturnAsync(AchReturnRow row)
    {
        lock (_gate)
        {
            if (_returns.TryGetValue(row.TraceNumber, out var existing)) return Task.FromResult((existing, false));
            _returns[row.TraceNumber] = row;
            return Task.FromResult((row, true));
        }
    }

    public Task<IReadOnlyList<AchReturnRow>> PendingReturnsAsync(int limit)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<AchReturnRow>>([.. _returns.Values.Where(r => !r.Applied).Take(limit)]);
    }

    public Task MarkReturnAppliedAsync(string traceNumber, string returnCode, DateTimeOffset at)
    {
        lock (_gate)
        {
            _returns[traceNumber] = _returns[traceNumber] with { Applied = true };
            var debit = _debits.Values.Single(d => d.TraceNumber == traceNumber);
            if (debit.Status != AchDebitStatus.Returned)
                _debits[debit.PurchaseId] = debit with { Status = AchDebitStatus.Returned, ReturnCode = returnCode, ReturnedAt = at };
        }
        return Task.CompletedTask;
    }

    public Task MarkReturnPaidAsync(string traceNumber, string chargeId, DateTimeOffset at)
    {
        lock (_gate)
        {
            var debit = _debits.Values.Single(d => d.TraceNumber == traceNumber);
            if (debit.ReturnPaidAt is null) _debits[debit.PurchaseId] = debit with { ReturnPaidAt = at, ReturnPaidCharge = chargeId };
        }
        return Task.CompletedTask;
    }

    public Task<bool> IsReturnFileReadAsync(string archiveName)
    {
        lock (_gate) return Task.FromResult(_returnFiles.ContainsKey(archiveName));
    }

    public Task<IReadOnlyList<string>> UnreadReturnFilesAsync(IReadOnlyList<string> archiveNames)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<string>>([.. archiveNames.Where(n => !_returnFiles.ContainsKey(n))]);
    }

    public Task MarkReturnFileReadAsync(string archiveName, int returns, DateTimeOffset at)
    {
        lock (_gate) _returnFiles.TryAdd(archiveName, returns);
        return Task.CompletedTask;
    }
}
