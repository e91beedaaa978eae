using System.Collections.Concurrent;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Mail;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Tests.Commerce;

// Test-only stand-ins for the parts other helpers build in parallel (the ledger, payment methods, a customer's
// standing); they exist in this test project only, and give way to the real grains once those are merged.

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

    public Task<PaymentResult<Dispute>> GetDisputeAsync(string disputeId, CancellationToken cancellationToken) =>
        Task.FromResult(PaymentResult<Dispute>.Fail(PaymentError.InvalidRequest, "unknown"));
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
