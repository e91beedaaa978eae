using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;

namespace VbiOrleans.Payments;

/// <summary>
/// The payment provider over Stripe's charges API with Stripe.net (docs/commerce.md, "Payment methods and the payment
/// provider"): a Stripe customer per account, card sources from tokens, charges created with <c>capture=false</c>,
/// captured later, released by refunding them uncaptured. Every call that changes something carries the caller's
/// idempotency key, and a transient failure is retried a bounded number of times with that same key. Stripe's errors
/// map to <see cref="PaymentError"/> by their type, code, decline code and HTTP status, never by their wording.
/// Stripe.net's own retries are off: the retry here is the only one, so its bound is the configured one.
/// </summary>
public sealed class StripePaymentProvider : IPaymentProvider, IDisposable
{
    private const string Currency = "usd";
    /// <summary>Stripe's limit on an idempotency key's length.</summary>
    private const int MaxIdempotencyKeyLength = 255;
    private const int MaxTokenLength = 255;

    private readonly HttpClient _http;
    private readonly CustomerService _customers;
    private readonly CustomerPaymentSourceService _sources;
    private readonly ChargeService _charges;
    private readonly RefundService _refunds;
    private readonly DisputeService _disputes;
    private readonly PaymentOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<StripePaymentProvider> _logger;
    private readonly bool _configured;

    public StripePaymentProvider(IOptions<PaymentOptions> options, ILogger<StripePaymentProvider> logger, TimeProvider? clock = null)
    {
        _options = options.Value;
        _options.Validate();
        var stripe = _options.Stripe;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _http = new HttpClient { Timeout = stripe.Timeout };
        _configured = !string.IsNullOrWhiteSpace(stripe.ApiKey);
        var client = new StripeClient(_configured ? stripe.ApiKey : "sk_unset", httpClient: new SystemNetHttpClient(_http, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
            apiBase: stripe.BaseUrl.TrimEnd('/'));
        _customers = new CustomerService(client);
        _sources = new CustomerPaymentSourceService(client);
        _charges = new ChargeService(client);
        _refunds = new RefundService(client);
        _disputes = new DisputeService(client);
        IsTestMode = _configured && (stripe.ApiKey!.StartsWith("sk_test_", StringComparison.Ordinal) || stripe.ApiKey.StartsWith("rk_test_", StringComparison.Ordinal));
        // A host without the key still starts (its meters print; its payments are refused), and says why loudly.
        if (!_configured)
            _logger.LogError("Payment provider stripe: Vbi:Payments:Stripe:ApiKey is not set; every payment call is refused until it is");
        // The key itself is a secret: only whether it is a test key is said.
        else _logger.LogInformation("Payment provider stripe at {BaseUrl} ({Mode} key), timeout {Timeout}, {Retries} retries",
            stripe.BaseUrl, IsTestMode ? "test" : "live", stripe.Timeout, _options.MaxRetries);
    }

    public string Name => PaymentOptions.StripeName;

    public bool IsTestMode { get; }

    public Task<PaymentResult<ProviderCustomer>> CreateCustomerAsync(string customerId, string email, string idempotencyKey, CancellationToken cancellationToken) =>
        CallAsync(nameof(CreateCustomerAsync), idempotencyKey, async request =>
        {
            var customer = await _customers.CreateAsync(new CustomerCreateOptions
            {
                Email = email,
                Description = "VBI customer " + customerId,
                Metadata = new Dictionary<string, string> { ["vbi_customer"] = customerId },
            }, request, cancellationToken);
            return new ProviderCustomer(customer.Id);
        }, cancellationToken);

    public Task<PaymentResult<CardSource>> AttachCardAsync(string providerCustomerId, string token, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (!IsToken(token)) return Task.FromResult(PaymentResult<CardSource>.Fail(PaymentError.InvalidRequest, "the card token is 1 to 255 printable characters"));
        return CallAsync(nameof(AttachCardAsync), idempotencyKey, async request =>
        {
            var source = await _sources.CreateAsync(providerCustomerId, new CustomerPaymentSourceCreateOptions { Source = token }, request, cancellationToken);
            return source is Card card
                ? new CardSource(card.Id, card.Brand, card.Last4, (int)card.ExpMonth, (int)card.ExpYear)
                : throw new PaymentRefusal(PaymentError.InvalidRequest, $"the token made a {source.Object}, not a card");
        }, cancellationToken);
    }

    public Task<PaymentResult<Charge>> AuthorizeAsync(ChargeRequest charge, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (PaymentAmounts.ToCents(charge.AmountMills) is not { } cents)
            return Task.FromResult(PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, $"{charge.AmountMills} mills is not a positive whole number of cents"));
        if (charge.ProviderCustomerId is null && !IsToken(charge.SourceId))
            return Task.FromResult(PaymentResult<Charge>.Fail(PaymentError.InvalidRequest, "a one-off charge needs a card token"));
        return CallAsync(nameof(AuthorizeAsync), idempotencyKey, async request =>
        {
            var created = await _charges.CreateAsync(new ChargeCreateOptions
            {
                Amount = cents,
                Currency = Currency,
                Customer = charge.ProviderCustomerId,
                Source = charge.SourceId,
                Capture = false,
                Description = charge.Description,
                Metadata = charge.Metadata.ToDictionary(),
            }, request, cancellationToken);
            return ToCharge(created);
        }, cancellationToken);
    }

    public Task<PaymentResult<Charge>> CaptureAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken) =>
        CallAsync(nameof(CaptureAsync), idempotencyKey, async request =>
            ToCharge(await _charges.CaptureAsync(chargeId, new ChargeCaptureOptions(), request, cancellationToken)), cancellationToken);

    public Task<PaymentResult<Charge>> ReleaseAsync(string chargeId, string idempotencyKey, CancellationToken cancellationToken) =>
        CallAsync(nameof(ReleaseAsync), idempotencyKey, async request =>
        {
            // Only an uncaptured charge is released: refunding a captured one would be a refund of money taken. The
            // purchase serializes its capture and release, so the charge cannot be captured between the read and the refund.
            var current = ToCharge(await _charges.GetAsync(chargeId, null, null, cancellationToken));
            switch (current.Status)
            {
                case ChargeStatus.Released: return current;
                case ChargeStatus.Captured: throw new PaymentRefusal(PaymentError.WrongChargeState, $"charge {chargeId} is captured; refund it instead");
                case ChargeStatus.Failed: throw new PaymentRefusal(PaymentError.WrongChargeState, $"charge {chargeId} failed; nothing to release");
            }
            await _refunds.CreateAsync(new RefundCreateOptions { Charge = chargeId }, request, cancellationToken);
            return ToCharge(await _charges.GetAsync(chargeId, null, null, cancellationToken));
        }, cancellationToken);

    public Task<PaymentResult<PaymentRefund>> RefundAsync(string chargeId, long amountMills, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (PaymentAmounts.ToCents(amountMills) is not { } cents)
            return Task.FromResult(PaymentResult<PaymentRefund>.Fail(PaymentError.InvalidRequest, $"{amountMills} mills is not a positive whole number of cents"));
        return CallAsync(nameof(RefundAsync), idempotencyKey, async request =>
        {
            var refund = await _refunds.CreateAsync(new RefundCreateOptions { Charge = chargeId, Amount = cents }, request, cancellationToken);
            return new PaymentRefund(refund.Id, chargeId, PaymentAmounts.ToMills(refund.Amount));
        }, cancellationToken);
    }

    public Task<PaymentResult<Charge>> GetChargeAsync(string chargeId, CancellationToken cancellationToken) =>
        CallAsync(nameof(GetChargeAsync), null, async _ =>
        {
            var charge = ToCharge(await _charges.GetAsync(chargeId, null, null, cancellationToken));
            if (!charge.Disputed || charge.DisputeId is not null) return charge;
            // Charges of newer API versions no longer name their dispute: it is found by the charge.
            var disputes = await _disputes.ListAsync(new DisputeListOptions { Charge = chargeId, Limit = 1 }, null, cancellationToken);
            return charge with { DisputeId = disputes.Data.FirstOrDefault()?.Id };
        }, cancellationToken);

    public Task<PaymentResult<Dispute>> GetDisputeAsync(string disputeId, CancellationToken cancellationToken) =>
        CallAsync(nameof(GetDisputeAsync), null, async _ =>
        {
            var dispute = await _disputes.GetAsync(disputeId, null, null, cancellationToken);
            return new Dispute(dispute.Id, dispute.ChargeId, PaymentAmounts.ToMills(dispute.Amount), dispute.Reason ?? "", dispute.Status ?? "");
        }, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<PaymentResult<T>> CallAsync<T>(string operation, string? idempotencyKey, Func<RequestOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
            return PaymentResult<T>.Fail(PaymentError.InvalidRequest, $"an idempotency key is 1 to {MaxIdempotencyKeyLength} printable characters");
        if (!_configured) return PaymentResult<T>.Fail(PaymentError.InvalidRequest, "Vbi:Payments:Stripe:ApiKey is not set");
        var request = new RequestOptions { IdempotencyKey = idempotencyKey };
        var result = await TransientRetry.RunAsync(() => AttemptAsync(operation, request, call, cancellationToken), _options.MaxRetries, _options.RetryDelay, _clock,
            cancellationToken);
        if (!result.IsSuccess)
            _logger.LogWarning("Stripe {Operation} failed: {Error} {DeclineCode} {Message}", operation, result.Error, result.DeclineCode, result.Message);
        return result;
    }

    private static async Task<PaymentResult<T>> AttemptAsync<T>(string operation, RequestOptions request, Func<RequestOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return PaymentResult<T>.Ok(await call(request));
        }
        catch (StripeException e)
        {
            return Map<T>(e);
        }
        catch (PaymentRefusal refusal)
        {
            return PaymentResult<T>.Fail(refusal.Error, refusal.Message);
        }
        catch (HttpRequestException e)
        {
            return PaymentResult<T>.Fail(PaymentError.Unavailable, $"Stripe {operation}: no answer ({e.HttpRequestError})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return PaymentResult<T>.Fail(PaymentError.Unavailable, $"Stripe {operation}: timed out");
        }
    }

    /// <summary>Stripe's error, by name: its type, code and decline code, and the HTTP status (docs.stripe.com/error-codes).</summary>
    internal static PaymentResult<T> Map<T>(StripeException e)
    {
        var status = (int)e.HttpStatusCode;
        var error = e.StripeError;
        var (type, code, decline) = (error?.Type, error?.Code, error?.DeclineCode);
        var message = error?.Message ?? $"Stripe answered {status}";
        if (status == (int)HttpStatusCode.TooManyRequests || type == "rate_limit_error" || code is "rate_limit" or "lock_timeout")
            return PaymentResult<T>.Fail(PaymentError.RateLimited, message);
        // 409 is a concurrent request with the same key still running: the same call later answers.
        if (status is 0 or >= 500 or (int)HttpStatusCode.Conflict || type is "api_error" or "api_connection_error" || error is null)
            return PaymentResult<T>.Fail(PaymentError.Unavailable, message);
        if (type == "idempotency_error") return PaymentResult<T>.Fail(PaymentError.IdempotencyConflict, message);
        if (type == "card_error")
        {
            return decline == "insufficient_funds" || code == "insufficient_funds"
                ? PaymentResult<T>.Fail(PaymentError.InsufficientFunds, message, decline ?? code)
                : PaymentResult<T>.Fail(PaymentError.Declined, message, decline ?? code);
        }
        if (code is "charge_already_captured" or "charge_already_refunded" or "charge_expired_for_capture" or "charge_disputed")
            return PaymentResult<T>.Fail(PaymentError.WrongChargeState, message, code);
        return PaymentResult<T>.Fail(PaymentError.InvalidRequest, message, code);
    }

    private static Charge ToCharge(Stripe.Charge c) => new(c.Id,
        c.Status == "failed" ? ChargeStatus.Failed
        : c.Captured ? ChargeStatus.Captured
        : c.Refunded ? ChargeStatus.Released
        : ChargeStatus.Authorized,
        PaymentAmounts.ToMills(c.Amount), PaymentAmounts.ToMills(c.AmountRefunded), c.Disputed, DisputeOf(c));

    /// <summary>The charge's <c>dispute</c> field, which Stripe.net does not expose (stripe-stateful-mock and older API versions send it).</summary>
    private static string? DisputeOf(Stripe.Charge c) =>
        c.RawJsonElement is { ValueKind: System.Text.Json.JsonValueKind.Object } raw && raw.TryGetProperty("dispute", out var dispute)
            && dispute.ValueKind == System.Text.Json.JsonValueKind.String ? dispute.GetString() : null;

    private static bool IsToken(string token) => token.Length is > 0 and <= MaxTokenLength && !token.Any(char.IsControl) && !token.Contains(' ');

    /// <summary>A refusal decided here from what Stripe answered (not an error Stripe raised).</summary>
    private sealed class PaymentRefusal(PaymentError error, string message) : Exception(message)
    {
        public PaymentError Error { get; } = error;
    }
}
