using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Payments;

/// <summary>
/// The Local profile's payment provider, in this process: no service to run and no real money. It takes Stripe's test
/// tokens with the flows stripe-stateful-mock gives them (docs/commerce.md): <c>tok_visa</c>, <c>tok_mastercard</c>,
/// <c>tok_createDispute</c> (the charge is disputed once made) attach as cards; <c>tok_chargeDeclined</c>,
/// <c>tok_chargeDeclinedInsufficientFunds</c> and <c>tok_chargeDeclinedExpiredCard</c> are declined when attached or
/// charged; <c>tok_500</c> or <c>tok_429</c> fails as unavailable or rate limited, and a chain <c>tok_500|tok_visa</c>
/// takes its next token at each new call (charged once, as with the mock, or attached, which the mock does not take). Idempotency keys behave as Stripe's: a key's first
/// answer is kept (a 429 is not) and replayed, and the key with other parameters is a conflict. Each kind of record
/// is bounded (<see cref="TestModeOptions.MaxRecords"/>); the oldest are forgotten first.
/// </summary>
public sealed class TestModePaymentProvider : IPaymentProvider
{
    private readonly object _gate = new();
    private readonly Bounded<string, string> _customers;
    private readonly Bounded<string, (string Customer, string Token, CardSource Card)> _cards;
    private readonly Bounded<string, ChargeRecord> _charges;
    private readonly Bounded<string, (byte[] Fingerprint, object Result)> _idempotency;
    private readonly Bounded<string, int> _chains;
    private readonly PaymentOptions _options;
    private readonly TimeProvider _clock;

    public TestModePaymentProvider(IOptions<PaymentOptions> options, ILogger<TestModePaymentProvider> logger, TimeProvider? clock = null)
    {
        _options = options.Value;
        _options.Validate();
        _clock = clock ?? TimeProvider.System;
        var max = _options.TestMode.MaxRecords;
        (_customers, _cards, _charges, _idempotency, _chains) = (new(max), new(max), new(max), new(max), new(max));
        logger.LogWarning("Payment provider test-mode: payments are simulated in this process with Stripe's test tokens; NO REAL MONEY MOVES. "
            + "Set Vbi:Payments:Provider to stripe to take real payments.");
    }

    public string Name => PaymentOptions.TestModeName;

    public bool IsTestMode => true;

    public Task<PaymentResult<ProviderCustomer>> CreateCustomerAsync(string customerId, string email, string idempotencyKey, CancellationToken cancellationToken) =>
        RunAsync("customers", idempotencyKey, [customerId, email], () =>
        {
            var id = "cus_" + RandomId(14);
            _customers.Put(id, customerId);
            return PaymentResult<ProviderCustomer>.Ok(new ProviderCustomer(id));
        }, cancellationToken);

    public Task<PaymentResult<CardSource>> AttachCardAsync(string providerCustomerId, string token, string idempotencyKey, CancellationToken cancellationToken) =>
        RunAsync("sources:" + providerCustomerId, idempotencyKey, [token], () =>
        {
            if (!_customers.TryGet(providerCustomerId, out _)) return PaymentResult<CardSource>.Fail(PaymentError.InvalidRequest, $"No such customer: {providerCustomerId}");
            // A chain works here too (stripe-stateful-mock takes chains only in one-off charges): a Local client can
            // try a provider failure while adding a card.
            token = NextOfChain(token);
            if (Fault<CardSource>(token) is { } fault) return fault;
            if (!Cards.TryGetValue(token, out var card)) return PaymentResult<CardSource>.Fail(PaymentError.InvalidRequest, $"No such token: '{token}'");
            if (Decline<CardSource>(token) is { } declined) return declined;
            var now = _clock.GetUtcNow();
            var source = new CardSource("card_" + RandomId(24), card.Brand, card.Last4, now.Month, now.Year + 1);
            _cards.Put(source.Id, (providerCustomerId, token, source));
            return PaymentResult<CardSource>.Ok(source);
        }, cancellationToken);

    public Task<PaymentResult<Charge>> AuthorizeAsync(ChargeRequest request, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (PaymentAmounts.ToCents(request.AmountMills) is null)
            return Task.FromResult(PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, $"{request.AmountMills} mills is not a positive whole number of cents"));
        return RunAsync("charges", idempotencyKey, [request.ProviderCustomerId ?? "", request.SourceId, request.AmountMills.ToString(System.Globalization.CultureInfo.InvariantCulture),
            request.Description, .. request.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + "=" + m.Value)], () =>
        {
            string token;
            if (request.ProviderCustomerId is { } customer)
            {
                if (!_customers.TryGet(customer, out _)) return PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, $"No such customer: {customer}");
                if (!_cards.TryGet(request.SourceId, out var card) || card.Customer != customer)
                    return PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, $"Customer {customer} does not have a linked source with ID {request.SourceId}.");
                token = card.Token;
            }
            else
            {
                token = NextOfChain(request.SourceId);
                if (Fault<Charge>(token) is { } fault) return fault;
                if (!Cards.ContainsKey(token)) return PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, $"No such token: '{token}'");
            }
            if (Decline<Charge>(token) is { } declined) return declined;
            // Stripe's bounds for a charge in dollars.
            if (request.AmountMills < 50 * PaymentAmounts.MillsPerCent) return PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, "Amount must be at least 50 cents", "amount_too_small");
            if (request.AmountMills > 99_999_999 * PaymentAmounts.MillsPerCent)
                return PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, "Amount must be no more than $999,999.99", "amount_too_large");
            var record = new ChargeRecord("ch_" + RandomId(24), request.AmountMills) { DisputeId = token == "tok_createDispute" ? "dp_" + RandomId(24) : null };
            _charges.Put(record.Id, record);
            // Stripe opens the dispute just after it answers; the answer itself shows the charge undisputed.
            return PaymentResult<Charge>.Ok(record.View() with { Disputed = false, DisputeId = null });
        }, cancellationToken);
    }

    public Task<PaymentResult<Charge>> CaptureAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken) =>
        RunAsync("capture:" + chargeId, idempotencyKey, [], () =>
        {
            if (!_charges.TryGet(chargeId, out var charge)) return NoSuchCharge<Charge>(chargeId);
            if (charge.Captured) return PaymentResult<Charge>.Fail(PaymentError.WrongChargeState, $"Charge {chargeId} has already been captured.", "charge_already_captured");
            if (charge.RefundedMills > 0) return PaymentResult<Charge>.Fail(PaymentError.WrongChargeState, $"Charge {chargeId} was released.", "charge_already_refunded");
            charge.Captured = true;
            return PaymentResult<Charge>.Ok(charge.View());
        }, cancellationToken);

    public Task<PaymentResult<Charge>> ReleaseAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken) =>
        RunAsync("release:" + chargeId, idempotencyKey, [], () =>
        {
            if (!_charges.TryGet(chargeId, out var charge)) return NoSuchCharge<Charge>(chargeId);
            if (charge.Captured) return PaymentResult<Charge>.Fail(PaymentError.WrongChargeState, $"charge {chargeId} is captured; refund it instead");
            charge.RefundedMills = charge.AmountMills;
            return PaymentResult<Charge>.Ok(charge.View());
        }, cancellationToken);

    public Task<PaymentResult<PaymentRefund>> RefundAsync(string chargeId, long amountMills, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (PaymentAmounts.ToCents(amountMills) is null)
            return Task.FromResult(PaymentResult<PaymentRefund>.Fail(PaymentError.InvalidRequest, $"{amountMills} mills is not a positive whole number of cents"));
        return RunAsync("refunds", idempotencyKey, [chargeId, amountMills.ToString(System.Globalization.CultureInfo.InvariantCulture)], () =>
        {
            if (!_charges.TryGet(chargeId, out var charge)) return NoSuchCharge<PaymentRefund>(chargeId);
            // As Stripe: a disputed charge is not refunded (the dispute decides where its money goes).
            if (charge.DisputeId is not null)
                return PaymentResult<PaymentRefund>.Fail(PaymentError.WrongChargeState, $"Charge {chargeId} has been charged back; cannot issue a refund.", "charge_disputed");
            if (charge.RefundedMills >= charge.AmountMills)
                return PaymentResult<PaymentRefund>.Fail(PaymentError.WrongChargeState, $"Charge {chargeId} has already been refunded.", "charge_already_refunded");
            if (amountMills > charge.AmountMills - charge.RefundedMills)
                return PaymentResult<PaymentRefund>.Fail(PaymentError.InvalidRequest, "the refund is more than the charge's unrefunded amount");
            if (!charge.Captured && amountMills != charge.AmountMills)
                return PaymentResult<PaymentRefund>.Fail(PaymentError.InvalidRequest, "an uncaptured charge is refunded in full or not at all");
            charge.RefundedMills += amountMills;
            return PaymentResult<PaymentRefund>.Ok(new PaymentRefund("re_" + RandomId(24), chargeId, amountMills));
        }, cancellationToken);
    }

    public Task<PaymentResult<Charge>> GetChargeAsync(string chargeId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_charges.TryGet(chargeId, out var charge) ? PaymentResult<Charge>.Ok(charge.View()) : NoSuchCharge<Charge>(chargeId));
        }
    }

    public Task<PaymentResult<Dispute>> GetDisputeAsync(string disputeId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            // Disputes are few: found through the charges that hold them.
            foreach (var charge in _charges.Values)
            {
                if (charge.DisputeId == disputeId)
                    return Task.FromResult(PaymentResult<Dispute>.Ok(new Dispute(disputeId, charge.Id, charge.AmountMills, "fraudulent", "needs_response")));
            }
            return Task.FromResult(PaymentResult<Dispute>.Fail(PaymentError.InvalidRequest, $"No such dispute: {disputeId}", "resource_missing"));
        }
    }

    /// <summary>One call as Stripe takes it (the idempotency key's kept answer, or the operation), retried like the Stripe adapter retries.</summary>
    private Task<PaymentResult<T>> RunAsync<T>(string operation, string idempotencyKey, string[] parameters, Func<PaymentResult<T>> execute,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey.Length is 0 or > 255 || idempotencyKey.Any(char.IsControl))
            return Task.FromResult(PaymentResult<T>.Fail(PaymentError.InvalidRequest, "an idempotency key is 1 to 255 printable characters"));
        var fingerprint = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001f', parameters)));
        return TransientRetry.RunAsync(() => Task.FromResult(Once(operation + "\u001f" + idempotencyKey, fingerprint, execute)), _options.MaxRetries,
            _options.RetryDelay, _clock, cancellationToken);
    }

    private PaymentResult<T> Once<T>(string key, byte[] fingerprint, Func<PaymentResult<T>> execute)
    {
        lock (_gate)
        {
            if (_idempotency.TryGet(key, out var kept))
            {
                return kept.Fingerprint.AsSpan().SequenceEqual(fingerprint)
                    ? (PaymentResult<T>)kept.Result
                    : PaymentResult<T>.Fail(PaymentError.IdempotencyConflict, "Keys for idempotent requests can only be used with the same parameters they were first used with.");
            }
            var result = execute();
            // As Stripe: every answer is kept for its key except a 429, which asks for the same call again.
            if (result.Error != PaymentError.RateLimited) _idempotency.Put(key, (fingerprint, result));
            return result;
        }
    }

    private string NextOfChain(string token)
    {
        if (!token.Contains('|')) return token;
        var links = token.Split('|');
        _chains.TryGet(token, out var next);
        _chains.Put(token, next + 1);
        // A chain used more times than it has links keeps answering its last link.
        return links[Math.Min(next, links.Length - 1)];
    }

    private static PaymentResult<T>? Fault<T>(string token) => token switch
    {
        "tok_500" => PaymentResult<T>.Fail(PaymentError.Unavailable, "An unknown error occurred"),
        "tok_429" => PaymentResult<T>.Fail(PaymentError.RateLimited, "Too many requests in a period of time."),
        _ => null,
    };

    private static PaymentResult<T>? Decline<T>(string token) => token switch
    {
        "tok_chargeDeclined" => PaymentResult<T>.Fail(PaymentError.Declined, "Your card was declined.", "generic_decline"),
        "tok_chargeDeclinedInsufficientFunds" => PaymentResult<T>.Fail(PaymentError.InsufficientFunds, "Your card has insufficient funds.", "insufficient_funds"),
        "tok_chargeDeclinedExpiredCard" => PaymentResult<T>.Fail(PaymentError.Declined, "Your card has expired.", "expired_card"),
        _ => null,
    };

    private static PaymentResult<T> NoSuchCharge<T>(string chargeId) => PaymentResult<T>.Fail(PaymentError.InvalidRequest, $"No such charge: {chargeId}", "resource_missing");

    /// <summary>Stripe's test tokens and the card each stands for (brand and last four digits as Stripe gives them).</summary>
    private static readonly Dictionary<string, (string Brand, string Last4)> Cards = new(StringComparer.Ordinal)
    {
        ["tok_visa"] = ("Visa", "4242"),
        ["tok_visa_debit"] = ("Visa", "5556"),
        ["tok_mastercard"] = ("MasterCard", "4444"),
        ["tok_mastercard_debit"] = ("MasterCard", "3222"),
        ["tok_amex"] = ("American Express", "8431"),
        ["tok_chargeDeclined"] = ("Visa", "0002"),
        ["tok_chargeDeclinedInsufficientFunds"] = ("Visa", "9995"),
        ["tok_chargeDeclinedExpiredCard"] = ("Visa", "0069"),
        ["tok_createDispute"] = ("Visa", "0259"),
    };

    private static string RandomId(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    private sealed class ChargeRecord(string id, long amountMills)
    {
        public string Id { get; } = id;
        public long AmountMills { get; } = amountMills;
        public bool Captured { get; set; }
        public long RefundedMills { get; set; }
        public string? DisputeId { get; init; }

        public Charge View() => new(Id,
            Captured ? ChargeStatus.Captured : RefundedMills > 0 ? ChargeStatus.Released : ChargeStatus.Authorized,
            AmountMills, RefundedMills, DisputeId is not null, DisputeId);
    }

    /// <summary>A map that keeps at most its capacity of entries, forgetting the oldest first. Callers hold the provider's lock.</summary>
    private sealed class Bounded<TKey, TValue>(int capacity) where TKey : notnull
    {
        private readonly Dictionary<TKey, TValue> _values = [];
        private readonly Queue<TKey> _order = new();

        public bool TryGet(TKey key, out TValue value) => _values.TryGetValue(key, out value!);

        public IEnumerable<TValue> Values => _values.Values;

        public void Put(TKey key, TValue value)
        {
            if (_values.TryAdd(key, value))
            {
                _order.Enqueue(key);
                while (_values.Count > capacity) _values.Remove(_order.Dequeue());
            }
            else
            {
                _values[key] = value;
            }
        }
    }
}
