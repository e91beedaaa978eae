namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// ACH debits and the NACHA files (docs/commerce.md, "ACH debits and the NACHA files"; key 0, the debits in the
/// <c>commerce</c> database). A purchase paid from a bank account queues one debit once its PVD is durable; the daily
/// file gathers the day's queued debits into one NACHA file in the archive and marks them sent; debits not returned
/// within the settlement window are settled; return files mark debits returned, reverse them in the ledger and lock
/// the customer's account until the returned amount is paid.
/// </summary>
public interface IAchOriginationGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Queues a debit (idempotent by purchase id: the same request again answers the same debit, with the first
    /// request's effective date; another customer, payment method or amount for the purchase is <c>AchDebitConflict</c>).
    /// </summary>
    Task<AchDebitResult> QueueDebit(AchDebitRequest request);

    /// <summary>
    /// Runs one day: the day's NACHA file (made once; a second run answers the same file, byte for byte), settlement
    /// of debits past their window, and the return files waiting under <c>ach/returns/</c> in the archive.
    /// </summary>
    Task<AchDayRun> RunDay(DateOnly date);

    /// <summary>Applies a return file (its bytes, archived first under <c>ach/returns/</c>); unknown and duplicate returns are reported, never applied twice.</summary>
    Task<AchReturnsApplied> ApplyReturns(byte[] content);

    /// <summary>
    /// Pays a returned debit of the customer with one of their cards: the charge captured at once, the ledger entry
    /// <c>ach-return-paid:{trace}</c>, the lock for this trace lifted. Idempotent: a paid return answers the same debit.
    /// </summary>
    Task<AchDebitResult> PayReturn(string customerId, string traceNumber, string cardMethodId);

    /// <summary>The files of a day, or the latest ones (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<AchFileView>> Files(DateOnly? date, int limit);

    /// <summary>A customer's debits, newest first (at most <paramref name="limit"/>).</summary>
    Task<IReadOnlyList<AchDebitView>> Debits(string customerId, int limit);

    /// <summary>Makes sure the job's reminder is registered (its activation does it).</summary>
    Task Schedule();
}

[GenerateSerializer, Immutable]
public sealed record AchDebitRequest(
    [property: Id(0)] string PurchaseId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string PaymentMethodId,
    [property: Id(3)] long AmountMills,
    /// <summary>The earliest date the debit may settle; the file uses the next business day after its own date if that is later.</summary>
    [property: Id(4)] DateOnly EffectiveDate,
    /// <summary>A debit (the customer pays us) or a credit (we pay the customer: a refund paid out, docs/commerce.md "Refunds paid out").</summary>
    [property: Id(5)] VbiOrleans.Domain.ProviderFiles.Nacha.AchDirection Direction = VbiOrleans.Domain.ProviderFiles.Nacha.AchDirection.Debit);

/// <summary>A debit's status; in JSON by name (<c>Queued</c>, <c>Sent</c>, <c>Settled</c>, <c>Returned</c>).</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AchDebitStatus>))]
public enum AchDebitStatus
{
    /// <summary>Waiting for the day's file.</summary>
    Queued = 1,
    /// <summary>In a NACHA file (<see cref="AchDebitView.FileId"/>), not yet settled.</summary>
    Sent = 2,
    /// <summary>Not returned within the settlement window: the money is ours (ledger ach-settled).</summary>
    Settled = 3,
    /// <summary>Returned by the receiver's bank (<see cref="AchDebitView.ReturnCode"/>): reversed in the ledger, the account locked until paid.</summary>
    Returned = 4,
}

[GenerateSerializer, Immutable]
public sealed record AchDebitView(
    [property: Id(0)] string PurchaseId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] string PaymentMethodId,
    [property: Id(3)] long AmountMills,
    [property: Id(4)] DateOnly EffectiveDate,
    [property: Id(5)] AchDebitStatus Status,
    /// <summary>The 15-digit trace number the debit carries in its file (assigned when queued).</summary>
    [property: Id(6)] string TraceNumber,
    [property: Id(7)] string? FileId,
    [property: Id(8)] string? ReturnCode,
    [property: Id(9)] DateTimeOffset QueuedAt,
    [property: Id(10)] DateTimeOffset? SettledAt,
    [property: Id(11)] DateTimeOffset? ReturnedAt,
    /// <summary>When a returned debit was paid by card, and the charge that paid it.</summary>
    [property: Id(12)] DateTimeOffset? ReturnPaidAt,
    [property: Id(13)] string? ReturnPaidCharge,
    /// <summary><c>Debit</c>, or <c>Credit</c> for a refund paid out to the bank account.</summary>
    [property: Id(14)] VbiOrleans.Domain.ProviderFiles.Nacha.AchDirection Direction = VbiOrleans.Domain.ProviderFiles.Nacha.AchDirection.Debit);

[GenerateSerializer, Immutable]
public sealed record AchDebitResult([property: Id(0)] ErrorCode Error, [property: Id(1)] string? Message, [property: Id(2)] AchDebitView? Debit)
{
    public bool IsSuccess => Error == ErrorCode.None;
    public static AchDebitResult Ok(AchDebitView debit) => new(ErrorCode.None, null, debit);
    public static AchDebitResult Fail(ErrorCode error, string message) => new(error, message, null);
}

/// <summary>One day's NACHA file: where it is in the archive and what its control record says.</summary>
[GenerateSerializer, Immutable]
public sealed record AchFileView(
    [property: Id(0)] string FileId,
    [property: Id(1)] DateOnly Date,
    /// <summary>The archive object (<c>ach/outgoing/{date}/{fileId}.ach</c>); null for a day with no debits (no file is sent).</summary>
    [property: Id(2)] string? ArchiveName,
    [property: Id(3)] int EntryCount,
    [property: Id(4)] long TotalDebitMills,
    [property: Id(5)] long EntryHash,
    [property: Id(6)] int BlockCount,
    /// <summary>SHA-256 of the file's bytes (hex).</summary>
    [property: Id(7)] string? Sha256,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] IReadOnlyList<string> TraceNumbers);

/// <summary>What one run of a day did: its file, the debits it settled and the return files it read from the archive.</summary>
[GenerateSerializer, Immutable]
public sealed record AchDayRun(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] AchFileView? File,
    /// <summary>True when this run made the file; false when the day's file existed and was answered again.</summary>
    [property: Id(3)] bool Created,
    [property: Id(4)] int Settled,
    [property: Id(5)] IReadOnlyList<AchReturnsApplied> ReturnFiles,
    /// <summary>Queued debits left out of the file because their bank account could not be read (they wait for the next file).</summary>
    [property: Id(6)] IReadOnlyList<string> Held)
{
    public bool IsSuccess => Error == ErrorCode.None;
}

/// <summary>What became of one return; in JSON by name.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<AchReturnOutcomeKind>))]
public enum AchReturnOutcomeKind
{
    /// <summary>The debit is now returned: reversed in the ledger, the account locked.</summary>
    Applied = 1,
    /// <summary>This debit's return was applied before; nothing changed.</summary>
    Duplicate = 2,
    /// <summary>No debit of ours has the original trace number; nothing changed.</summary>
    UnknownTrace = 3,
}

[GenerateSerializer, Immutable]
public sealed record AchReturnOutcome(
    [property: Id(0)] string TraceNumber,
    [property: Id(1)] string ReturnCode,
    [property: Id(2)] string? Reason,
    [property: Id(3)] AchReturnOutcomeKind Outcome,
    [property: Id(4)] string? PurchaseId,
    [property: Id(5)] string? CustomerId,
    [property: Id(6)] long AmountMills);

[GenerateSerializer, Immutable]
public sealed record AchReturnsApplied(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    /// <summary>The return file's name in the archive.</summary>
    [property: Id(2)] string? ArchiveName,
    [property: Id(3)] IReadOnlyList<AchReturnOutcome> Returns,
    /// <summary>Lines the reader passed over (notifications of change, entries without a return addenda).</summary>
    [property: Id(4)] IReadOnlyList<string> Skipped)
{
    public bool IsSuccess => Error == ErrorCode.None;
}
