using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Grains.Commerce;

/// <summary>
/// Customer care's actions (<see cref="ICustomerCareGrain"/>): checks the input and that the customer exists, then
/// posts to the ledger or changes the account's standing. The ledger and the account grain hold the state, so this is
/// a stateless worker.
/// </summary>
[StatelessWorker]
public sealed class CustomerCareGrain(TimeProvider clock, ILogger<CustomerCareGrain> logger) : Grain, ICustomerCareGrain
{
    /// <summary>The largest credit or fee refund one action grants: $100,000.</summary>
    public const long MaxAmountMills = 100_000_000;

    public const int MaxReasonLength = 500;
    public const int MaxKeyLength = 100;

    private string CustomerId => this.GetPrimaryKeyString();

    public Task<CareResult> Credit(CareMoneyRequest request) =>
        PostAsync(request, "credit", Postings.CreditId($"{CustomerId}:{request.IdempotencyKey}"), Postings.Credit(CustomerId, request.AmountMills),
            $"Credit of {new Mills(request.AmountMills).ToDollars()} by {request.By}: {request.Reason}");

    public Task<CareResult> RefundFee(CareMoneyRequest request) =>
        PostAsync(request, "fee-refund", Postings.FeeRefundId($"{CustomerId}:{request.IdempotencyKey}"), Postings.FeeRefund(CustomerId, request.AmountMills),
            $"Fee refund of {new Mills(request.AmountMills).ToDollars()} to the customer's credit by {request.By}: {request.Reason}");

    private async Task<CareResult> PostAsync(CareMoneyRequest request, string kind, string entryId, IReadOnlyList<LedgerLine> lines, string memo)
    {
        if (request.AmountMills is < 1 or > MaxAmountMills)
            return CareResult.Fail(ErrorCode.CareAmountInvalid, $"amountMills is a whole number of mills from 1 to {MaxAmountMills}");
        if (ReasonProblem(request.Reason) is { } problem) return CareResult.Fail(ErrorCode.CareReasonInvalid, problem);
        if (!IsKey(request.IdempotencyKey))
            return CareResult.Fail(ErrorCode.ValidationFailed, $"idempotencyKey is 1 to {MaxKeyLength} of A-Z a-z 0-9 . _ : -");
        if (request.Reference is { } reference && (reference.Length > MaxKeyLength || reference.Any(char.IsControl)))
            return CareResult.Fail(ErrorCode.ValidationFailed, $"reference is at most {MaxKeyLength} characters without control characters");
        if (await GrainFactory.GetGrain<ICustomerGrain>(CustomerId).Get() is null)
            return CareResult.Fail(ErrorCode.NotFound, $"customer {CustomerId} does not exist");

        var entry = new LedgerEntry(entryId, kind, clock.GetUtcNow(), CustomerId, null, request.Reference ?? request.IdempotencyKey, memo,
            [.. lines.Select(Posting.Of)]);
        var result = await GrainFactory.GetGrain<ILedgerGrain>(0).Post(entry);
        switch (result.Status)
        {
            case LedgerPostStatus.Posted:
                logger.LogWarning("Customer care: {By} posted {Kind} {EntryId} of {Amount} mills for {CustomerId}: {Reason}",
                    request.By, kind, entryId, request.AmountMills, CustomerId, request.Reason);
                return new CareResult(ErrorCode.None, null, entry);
            case LedgerPostStatus.AlreadyPosted:
                return new CareResult(ErrorCode.None, null, await GrainFactory.GetGrain<ILedgerGrain>(0).Find(entryId) ?? entry, AlreadyPosted: true);
            case LedgerPostStatus.Conflict:
                return CareResult.Fail(ErrorCode.IdempotencyKeyReused, $"idempotencyKey {request.IdempotencyKey} was used for a {kind} of another amount");
            default:
                return CareResult.Fail(ErrorCode.LedgerEntryUnbalanced, result.Message ?? "the ledger refused the entry");
        }
    }

    public async Task<CareResult> Lock(string note, string by)
    {
        if (ReasonProblem(note) is { } problem) return CareResult.Fail(ErrorCode.CareReasonInvalid, problem);
        if (await GrainFactory.GetGrain<ICustomerGrain>(CustomerId).Get() is null)
            return CareResult.Fail(ErrorCode.NotFound, $"customer {CustomerId} does not exist");
        var standing = await GrainFactory.GetGrain<ICommerceAccountGrain>(CustomerId)
            .Lock(new AccountLock(AccountLockReason.Operator, ICustomerCareGrain.OperatorLockReference, note, by, clock.GetUtcNow()));
        return new CareResult(ErrorCode.None, null, Standing: standing);
    }

    public async Task<CareResult> Unlock(AccountLockReason reason, string reference, string note, string by)
    {
        if (ReasonProblem(note) is { } problem) return CareResult.Fail(ErrorCode.CareReasonInvalid, problem);
        if (!Enum.IsDefined(reason)) return CareResult.Fail(ErrorCode.LockKindUnknown, $"no lock kind {reason}");
        if (await GrainFactory.GetGrain<ICustomerGrain>(CustomerId).Get() is null)
            return CareResult.Fail(ErrorCode.NotFound, $"customer {CustomerId} does not exist");
        var account = GrainFactory.GetGrain<ICommerceAccountGrain>(CustomerId);
        if (!(await account.Standing()).Locks.Any(l => l.Reason == reason && l.Reference == reference))
            return CareResult.Fail(ErrorCode.LockNotFound, $"the account holds no {reason} lock with reference {reference}");
        var standing = await account.Unlock(reason, reference, by);
        logger.LogWarning("Customer care: {By} lifted the {Reason} lock {Reference} of {CustomerId}: {Note}", by, reason, reference, CustomerId, note);
        return new CareResult(ErrorCode.None, null, Standing: standing);
    }

    public async Task<CareResult> Standing() =>
        await GrainFactory.GetGrain<ICustomerGrain>(CustomerId).Get() is null
            ? CareResult.Fail(ErrorCode.NotFound, $"customer {CustomerId} does not exist")
            : new CareResult(ErrorCode.None, null, Standing: await GrainFactory.GetGrain<ICommerceAccountGrain>(CustomerId).Standing());

    public async Task<CarePayments> Payments(DateTimeOffset from, DateTimeOffset to, int limit)
    {
        if (limit is < 1 or > LedgerGrain.MaxEntriesPerRead || from >= to)
            return new CarePayments(ErrorCode.LedgerQueryInvalid, $"limit is 1 to {LedgerGrain.MaxEntriesPerRead} and from is before to", []);
        if (await GrainFactory.GetGrain<ICustomerGrain>(CustomerId).Get() is null)
            return new CarePayments(ErrorCode.NotFound, $"customer {CustomerId} does not exist", []);
        return new CarePayments(ErrorCode.None, null, await GrainFactory.GetGrain<ILedgerGrain>(0).EntriesOf(CustomerId, from, to, limit));
    }

    private static string? ReasonProblem(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength || reason.Any(char.IsControl)
            ? $"reason is 1 to {MaxReasonLength} characters without control characters"
            : null;

    private static bool IsKey(string? key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');
}
