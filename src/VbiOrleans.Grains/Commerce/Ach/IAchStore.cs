using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.ProviderFiles.Nacha;

namespace VbiOrleans.Grains.Commerce.Ach;

/// <summary>A debit as stored (infra/sql/53-ach.sql, vbi_ach_debit).</summary>
public sealed record AchDebitRow(
    string PurchaseId,
    string CustomerId,
    string PaymentMethodId,
    long AmountMills,
    DateOnly EffectiveDate,
    string TraceNumber,
    AchDebitStatus Status,
    string? FileId,
    DateOnly? SettleOn,
    string? ReturnCode,
    DateTimeOffset QueuedAt,
    DateTimeOffset? SettledAt,
    DateTimeOffset? ReturnedAt,
    DateTimeOffset? ReturnPaidAt,
    string? ReturnPaidCharge,
    AchDirection Direction = AchDirection.Debit)
{
    public AchDebitView ToView() => new(PurchaseId, CustomerId, PaymentMethodId, AmountMills, EffectiveDate, Status, TraceNumber, FileId,
        ReturnCode, QueuedAt, SettledAt, ReturnedAt, ReturnPaidAt, ReturnPaidCharge, Direction);
}

/// <summary>A day's file as stored (vbi_ach_file); <see cref="Written"/> once its bytes are in the archive.</summary>
public sealed record AchFileRow(string FileId, DateOnly Date, string? ArchiveName, int EntryCount, long TotalMills, long EntryHash,
    int BlockCount, string? Sha256, DateTimeOffset CreatedAt, bool Written);

/// <summary>A return as recorded before its effects (vbi_ach_return); <see cref="Applied"/> once they are all done.</summary>
public sealed record AchReturnRow(string TraceNumber, string ReturnCode, bool SettledFirst, string ArchiveName, DateTimeOffset ReceivedAt, bool Applied);

/// <summary>
/// Where the debits, files and returns are kept: PostgreSQL in the commerce database (<see cref="PostgresAchStore"/>)
/// in the Cluster profile, memory in the Local profile (<see cref="MemoryAchStore"/>).
/// </summary>
public interface IAchStore
{
    /// <summary>Stores the debit with the next trace sequence unless the purchase has one; answers the stored row either way.</summary>
    Task<AchDebitRow> QueueAsync(AchDebitRequest request, string odfiPrefix, DateTimeOffset at);

    Task<AchDebitRow?> FindByTraceAsync(string traceNumber);

    Task<IReadOnlyList<AchDebitRow>> DebitsOfCustomerAsync(string customerId, int limit);

    /// <summary>Queued debits queued before the instant, in trace order, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AchDebitRow>> QueuedBeforeAsync(DateTimeOffset before, int limit);

    Task<AchFileRow?> FindFileAsync(DateOnly date);

    Task<IReadOnlyList<AchFileRow>> FilesAsync(DateOnly? date, int limit);

    /// <summary>
    /// In one transaction: the day's file row, and each debit marked sent in it with the date it settles on. False
    /// (and nothing written) when the day has a file already or a debit is no longer queued.
    /// </summary>
    Task<bool> CreateFileAsync(AchFileRow file, IReadOnlyList<(string PurchaseId, DateOnly SettleOn)> debits);

    /// <summary>The debits of a file in trace order.</summary>
    Task<IReadOnlyList<AchDebitRow>> DebitsInFileAsync(string fileId);

    Task MarkFileWrittenAsync(string fileId);

    /// <summary>Sent debits due to settle on or before the date, with no return recorded, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AchDebitRow>> DueForSettlementAsync(DateOnly asOf, int limit);

    Task MarkSettledAsync(string purchaseId, DateTimeOffset at);

    /// <summary>Records a return unless the trace has one; answers the stored return and whether it was new.</summary>
    Task<(AchReturnRow Row, bool Inserted)> RecordReturnAsync(AchReturnRow row);

    /// <summary>Returns recorded whose effects are not all done (a crash in between), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<AchReturnRow>> PendingReturnsAsync(int limit);

    /// <summary>The return's effects are done: the debit is returned with its code, the return applied.</summary>
    Task MarkReturnAppliedAsync(string traceNumber, string returnCode, DateTimeOffset at);

    Task MarkReturnPaidAsync(string traceNumber, string chargeId, DateTimeOffset at);

    Task<bool> IsReturnFileReadAsync(string archiveName);

    /// <summary>The names, in their order, of the files among these that were not read yet (one query for a whole listing).</summary>
    Task<IReadOnlyList<string>> UnreadReturnFilesAsync(IReadOnlyList<string> archiveNames);

    Task MarkReturnFileReadAsync(string archiveName, int returns, DateTimeOffset at);
}
