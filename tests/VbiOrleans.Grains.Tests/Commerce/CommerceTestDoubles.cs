using System.Collections.Concurrent;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Mail;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Tests.Commerce;

// Test-only stand-ins for the parts other helpers build in parallel (the ledger, payment methods, a customer's
// standing); they exist in this test project only, and give way to the real grains once those are merged.

/// <summary>An in-memory ledger with the contract's rules: balanced, idempotent by id, conflicts refused.</summary>
public sealed class InMemoryLedgerGrain : Grain, ILedgerGrain
{
    public static readonly ConcurrentDictionary<string, LedgerEntry> Entries = new(StringComparer.Ordinal);

    public Task<LedgerPostResult> Post(LedgerEntry entry)
    {
        if (entry.Postings.Count == 0 || entry.Postings.Any(p => p.DebitMills < 0 || p.CreditMills < 0 || (p.DebitMills > 0) == (p.CreditMills > 0))
            || entry.Postings.Sum(p => p.DebitMills) != entry.Postings.Sum(p => p.CreditMills))
            return Task.FromResult(new LedgerPostResult(LedgerPostStatus.Unbalanced, "unbalanced"));
        if (Entries.TryGetValue(entry.Id, out var posted))
            return Task.FromResult(new LedgerPostResult(posted.Postings.SequenceEqual(entry.Postings) ? LedgerPostStatus.AlreadyPosted : LedgerPostStatus.Conflict, null));
        Entries[entry.Id] = entry;
        return Task.FromResult(new LedgerPostResult(LedgerPostStatus.Posted, null));
    }

    public Task<long> Balance(string account) =>
        Task.FromResult(Entries.Values.SelectMany(e => e.Postings).Where(p => p.Account == account).Sum(p => p.DebitMills - p.CreditMills));

    public Task<TrialBalance> TrialBalance()
    {
        var accounts = Entries.Values.SelectMany(e => e.Postings).GroupBy(p => p.Account)
            .Select(g => new AccountTotals(g.Key, g.Sum(p => p.DebitMills), g.Sum(p => p.CreditMills))).ToList();
        return Task.FromResult(new TrialBalance(accounts, accounts.Sum(a => a.DebitMills), accounts.Sum(a => a.CreditMills)));
    }

    public Task<IReadOnlyList<LedgerEntry>> EntriesOf(string customerId, DateTimeOffset from, DateTimeOffset to, int limit) =>
        Task.FromResult<IReadOnlyList<LedgerEntry>>([.. Entries.Values.Where(e => e.CustomerId == customerId && e.At >= from && e.At < to)
            .OrderBy(e => e.At).ThenBy(e => e.Id, StringComparer.Ordinal).Take(limit)]);

    public Task<LedgerEntry?> Find(string entryId) => Task.FromResult(Entries.GetValueOrDefault(entryId));
}

public sealed class TestPaymentMethodsGrain : Grain, IPaymentMethodsGrain
{
    public static readonly ConcurrentDictionary<string, PaymentMethodView> Methods = new(StringComparer.Ordinal);

    public Task<PaymentMethodView?> Default() => Task.FromResult(Methods.GetValueOrDefault(this.GetPrimaryKeyString()));
}

public sealed class TestCommerceAccountGrain : Grain, ICommerceAccountGrain
{
    public static readonly ConcurrentDictionary<string, List<AccountLock>> Locks = new(StringComparer.Ordinal);

    public Task<AccountStanding> Standing() => Task.FromResult(new AccountStanding(this.GetPrimaryKeyString(), [.. Locks.GetValueOrDefault(this.GetPrimaryKeyString()) ?? []]));

    public Task<AccountStanding> Lock(AccountLock accountLock)
    {
        var locks = Locks.GetOrAdd(this.GetPrimaryKeyString(), _ => []);
        lock (locks)
        {
            if (!locks.Any(l => l.Reason == accountLock.Reason && l.Reference == accountLock.Reference)) locks.Add(accountLock);
        }
        return Standing();
    }

    public Task<AccountStanding> Unlock(AccountLockReason reason, string reference, string by)
    {
        if (Locks.TryGetValue(this.GetPrimaryKeyString(), out var locks)) lock (locks) locks.RemoveAll(l => l.Reason == reason && l.Reference == reference);
        return Standing();
    }
}

/// <summary>A provider whose cards answer by source id: <c>src_ok</c> authorizes and captures, <c>src_declined</c> declines.</summary>
public sealed class TestPaymentProvider : IPaymentProvider
{
    public static readonly ConcurrentQueue<(string Call, string Key, long Mills)> Calls = new();

    public string Name => "test";

    public bool IsTestMode => true;

    public Task<PaymentResult<ProviderCustomer>> CreateCustomerAsync(string customerId, string email, string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(PaymentResult<ProviderCustomer>.Ok(new ProviderCustomer("cus_" + customerId)));

    public Task<PaymentResult<CardSource>> AttachCardAsync(string providerCustomerId, string token, string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(PaymentResult<CardSource>.Ok(new CardSource("src_" + token, "Visa", "4242", 12, 2030)));

    public Task<PaymentResult<Charge>> AuthorizeAsync(ChargeRequest request, string idempotencyKey, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("authorize", idempotencyKey, request.AmountMills));
        return Task.FromResult(request.SourceId == "src_ok"
            ? PaymentResult<Charge>.Ok(new Charge("ch_" + idempotencyKey, ChargeStatus.Authorized, request.AmountMills, 0, false))
            : PaymentResult<Charge>.Fail(PaymentError.Declined, "declined", "generic_decline"));
    }

    public Task<PaymentResult<Charge>> CaptureAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken)
    {
        Calls.Enqueue(("capture", idempotencyKey, 0));
        return Task.FromResult(PaymentResult<Charge>.Ok(new Charge(chargeId, ChargeStatus.Captured, 0, 0, false)));
    }

    public Task<PaymentResult<Charge>> ReleaseAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(PaymentResult<Charge>.Ok(new Charge(chargeId, ChargeStatus.Released, 0, 0, false)));

    public Task<PaymentResult<PaymentRefund>> RefundAsync(string chargeId, long amountMills, string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(PaymentResult<PaymentRefund>.Ok(new PaymentRefund("re_" + idempotencyKey, chargeId, amountMills)));

    public Task<PaymentResult<Charge>> GetChargeAsync(string chargeId, CancellationToken cancellationToken) =>
        Task.FromResult(PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, "unknown"));
}

/// <summary>Keeps every message sent.</summary>
public sealed class CapturingMailSender : IMailSender
{
    public static readonly ConcurrentQueue<MailMessage> Sent = new();

    public string Destination => "memory";

    public Task<MailResult> SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        Sent.Enqueue(message);
        return Task.FromResult(MailResult.Sent);
    }
}

/// <summary>The system clock moved by an offset a test sets (timers still run in real time).</summary>
public sealed class ShiftedClock : TimeProvider
{
    public static TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    /// <summary>Moves the clock so that now is <paramref name="instant"/> (give or take the test's own time).</summary>
    public static void Set(DateTimeOffset instant) => Offset = instant - System.GetUtcNow();
}
