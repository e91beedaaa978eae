using System.Security.Cryptography;

namespace VbiOrleans.Payments.Tests;

/// <summary>
/// What every payment provider does, run against each of them: the Stripe adapter against the real
/// stripe-stateful-mock, and the in-process test-mode provider. A provider that passes these can be put behind the
/// payment methods and the purchases. Declines come where the mock gives them: when a declined token is attached to
/// a customer, and when a declined token is charged once.
/// </summary>
public abstract class PaymentProviderContract
{
    protected abstract IPaymentProvider Provider { get; }

    private static CancellationToken None => CancellationToken.None;

    private static string Key(string what) => $"test-{what}-{Guid.NewGuid():N}";

    private static readonly string[] SuccessTokens = ["tok_visa", "tok_mastercard", "tok_amex", "tok_visa_debit", "tok_mastercard_debit"];

    /// <summary>
    /// A fault chain (<c>tok_500|tok_visa</c>) made unique by a tail that is never reached: the mock keeps each chain's
    /// position for its lifetime, so a chain is good for one test run only. Ten links of five tokens: about 10 million
    /// chains, each under the 255 characters a token may have.
    /// </summary>
    private static string Chain(string fault) =>
        string.Join('|', [fault, "tok_visa", .. Enumerable.Range(0, 10).Select(_ => SuccessTokens[RandomNumberGenerator.GetInt32(SuccessTokens.Length)])]);

    private async Task<(string Customer, CardSource Card)> CustomerWithCardAsync(string token = "tok_visa")
    {
        var customer = await Provider.CreateCustomerAsync("c-" + Guid.NewGuid().ToString("N")[..12], "payer@example.com", Key("customer"), None);
        Assert.True(customer.IsSuccess, customer.Message);
        var card = await Provider.AttachCardAsync(customer.Value!.Id, token, Key("card"), None);
        Assert.True(card.IsSuccess, card.Message);
        return (customer.Value.Id, card.Value!);
    }

    private static ChargeRequest Charge(string? customer, string source, long mills) =>
        new(customer, source, mills, "postage", new Dictionary<string, string> { ["purchase"] = "pur_test" });

    [Fact]
    public async Task Cards_attach_from_tokens_with_brand_last4_and_expiry_and_the_same_key_answers_the_same_card()
    {
        var customer = await Provider.CreateCustomerAsync("c-attach", "payer@example.com", Key("customer"), None);
        Assert.True(customer.IsSuccess, customer.Message);
        Assert.StartsWith("cus_", customer.Value!.Id);
        var key = Key("visa");
        var visa = await Provider.AttachCardAsync(customer.Value.Id, "tok_visa", key, None);
        Assert.True(visa.IsSuccess, visa.Message);
        Assert.Equal(("Visa", "4242"), (visa.Value!.Brand, visa.Value.Last4));
        Assert.InRange(visa.Value.ExpMonth, 1, 12);
        Assert.True(visa.Value.ExpYear >= DateTime.UtcNow.Year);
        Assert.Equal(visa.Value.Id, (await Provider.AttachCardAsync(customer.Value.Id, "tok_visa", key, None)).Value!.Id);
        var mastercard = await Provider.AttachCardAsync(customer.Value.Id, "tok_mastercard", Key("mc"), None);
        Assert.Equal(("MasterCard", "4444"), (mastercard.Value!.Brand, mastercard.Value.Last4));
        Assert.NotEqual(visa.Value.Id, mastercard.Value.Id);
    }

    [Fact]
    public async Task An_authorized_charge_is_captured_once_then_refunded_in_part()
    {
        var (customer, card) = await CustomerWithCardAsync();
        var authorized = await Provider.AuthorizeAsync(Charge(customer, card.Id, 12_340), Key("auth"), None);
        Assert.True(authorized.IsSuccess, authorized.Message);
        Assert.Equal((ChargeStatus.Authorized, 12_340L, 0L), (authorized.Value!.Status, authorized.Value.AmountMills, authorized.Value.RefundedMills));
        Assert.Equal(ChargeStatus.Authorized, (await Provider.GetChargeAsync(authorized.Value.Id, None)).Value!.Status);

        var captureKey = Key("capture");
        var captured = await Provider.CaptureAsync(authorized.Value.Id, captureKey, None);
        Assert.True(captured.IsSuccess, captured.Message);
        Assert.Equal(ChargeStatus.Captured, captured.Value!.Status);
        // A retry with the same key answers the first capture; another capture is refused by the charge's state.
        Assert.Equal(ChargeStatus.Captured, (await Provider.CaptureAsync(authorized.Value.Id, captureKey, None)).Value!.Status);
        Assert.Equal(PaymentError.WrongChargeState, (await Provider.CaptureAsync(authorized.Value.Id, Key("capture2"), None)).Error);
        // Released only while uncaptured: a captured charge is refunded instead.
        Assert.Equal(PaymentError.WrongChargeState, (await Provider.ReleaseAsync(authorized.Value.Id, Key("release"), None)).Error);

        var refundKey = Key("refund");
        var refund = await Provider.RefundAsync(authorized.Value.Id, 5_000, refundKey, None);
        Assert.True(refund.IsSuccess, refund.Message);
        Assert.Equal((authorized.Value.Id, 5_000L), (refund.Value!.ChargeId, refund.Value.AmountMills));
        Assert.Equal(refund.Value.Id, (await Provider.RefundAsync(authorized.Value.Id, 5_000, refundKey, None)).Value!.Id);
        var after = (await Provider.GetChargeAsync(authorized.Value.Id, None)).Value!;
        Assert.Equal((ChargeStatus.Captured, 12_340L, 5_000L), (after.Status, after.AmountMills, after.RefundedMills));
        Assert.Equal(PaymentError.InvalidRequest, (await Provider.RefundAsync(authorized.Value.Id, 8_000, Key("refund-too-much"), None)).Error);
    }

    [Fact]
    public async Task An_uncaptured_charge_is_released_and_nothing_is_charged()
    {
        var (customer, card) = await CustomerWithCardAsync("tok_mastercard");
        var authorized = await Provider.AuthorizeAsync(Charge(customer, card.Id, 20_000), Key("auth"), None);
        Assert.True(authorized.IsSuccess, authorized.Message);
        var key = Key("release");
        var released = await Provider.ReleaseAsync(authorized.Value!.Id, key, None);
        Assert.True(released.IsSuccess, released.Message);
        Assert.Equal((ChargeStatus.Released, 20_000L), (released.Value!.Status, released.Value.RefundedMills));
        Assert.Equal(ChargeStatus.Released, (await Provider.ReleaseAsync(authorized.Value.Id, key, None)).Value!.Status);
        Assert.Equal(ChargeStatus.Released, (await Provider.GetChargeAsync(authorized.Value.Id, None)).Value!.Status);
    }

    [Fact]
    public async Task Declined_cards_are_refused_by_name_with_the_decline_code()
    {
        var customer = (await Provider.CreateCustomerAsync("c-declined", "payer@example.com", Key("customer"), None)).Value!.Id;
        var declined = await Provider.AttachCardAsync(customer, "tok_chargeDeclined", Key("declined"), None);
        Assert.Equal((PaymentError.Declined, "generic_decline"), (declined.Error, declined.DeclineCode));
        var expired = await Provider.AttachCardAsync(customer, "tok_chargeDeclinedExpiredCard", Key("expired"), None);
        Assert.Equal((PaymentError.Declined, "expired_card"), (expired.Error, expired.DeclineCode));
        var once = await Provider.AuthorizeAsync(Charge(null, "tok_chargeDeclined", 10_000), Key("once"), None);
        Assert.Equal((PaymentError.Declined, "generic_decline"), (once.Error, once.DeclineCode));
    }

    [Fact]
    public async Task Insufficient_funds_is_its_own_refusal()
    {
        var customer = (await Provider.CreateCustomerAsync("c-nsf", "payer@example.com", Key("customer"), None)).Value!.Id;
        var attach = await Provider.AttachCardAsync(customer, "tok_chargeDeclinedInsufficientFunds", Key("nsf"), None);
        Assert.Equal((PaymentError.InsufficientFunds, "insufficient_funds"), (attach.Error, attach.DeclineCode));
        var once = await Provider.AuthorizeAsync(Charge(null, "tok_chargeDeclinedInsufficientFunds", 10_000), Key("once"), None);
        Assert.Equal(PaymentError.InsufficientFunds, once.Error);
    }

    [Fact]
    public async Task An_amount_that_is_not_whole_cents_is_refused_before_the_provider_is_asked()
    {
        var (customer, card) = await CustomerWithCardAsync();
        Assert.Equal(PaymentError.InvalidRequest, (await Provider.AuthorizeAsync(Charge(customer, card.Id, 12_345), Key("mills"), None)).Error);
        Assert.Equal(PaymentError.InvalidRequest, (await Provider.AuthorizeAsync(Charge(customer, card.Id, 0), Key("zero"), None)).Error);
        Assert.Equal(PaymentError.InvalidRequest, (await Provider.AuthorizeAsync(Charge(customer, "card_nope", 10_000), Key("nosource"), None)).Error);
    }

    [Fact]
    public async Task A_500_is_kept_for_its_key_so_a_retry_with_that_key_makes_no_charge_and_a_new_key_charges_once()
    {
        var chain = Chain("tok_500");
        var first = Key("500");
        var failed = await Provider.AuthorizeAsync(Charge(null, chain, 10_000), first, None);
        Assert.Equal(PaymentError.Unavailable, failed.Error);
        Assert.True(failed.IsTransient);
        // The provider kept the failure for the key (as Stripe keeps a 500): the same key never charges.
        Assert.Equal(PaymentError.Unavailable, (await Provider.AuthorizeAsync(Charge(null, chain, 10_000), first, None)).Error);

        var second = Key("after-500");
        var charged = await Provider.AuthorizeAsync(Charge(null, chain, 10_000), second, None);
        Assert.True(charged.IsSuccess, charged.Message);
        var again = await Provider.AuthorizeAsync(Charge(null, chain, 10_000), second, None);
        Assert.Equal(charged.Value!.Id, again.Value!.Id);
    }

    [Fact]
    public async Task A_429_is_retried_with_the_same_key_and_charges_once()
    {
        var chain = Chain("tok_429");
        var key = Key("429");
        var charged = await Provider.AuthorizeAsync(Charge(null, chain, 10_000), key, None);
        Assert.True(charged.IsSuccess, charged.Message);
        Assert.Equal(ChargeStatus.Authorized, charged.Value!.Status);
        Assert.Equal(charged.Value.Id, (await Provider.AuthorizeAsync(Charge(null, chain, 10_000), key, None)).Value!.Id);

        var limited = await Provider.AuthorizeAsync(Charge(null, "tok_429", 10_000), Key("429-always"), None);
        Assert.Equal(PaymentError.RateLimited, limited.Error);
        Assert.Equal(PaymentError.Unavailable, (await Provider.AuthorizeAsync(Charge(null, "tok_500", 10_000), Key("500-always"), None)).Error);
    }

    [Fact]
    public async Task A_key_used_again_with_other_parameters_is_an_idempotency_conflict()
    {
        var (customer, card) = await CustomerWithCardAsync();
        var key = Key("conflict");
        var first = await Provider.AuthorizeAsync(Charge(customer, card.Id, 10_000), key, None);
        Assert.True(first.IsSuccess, first.Message);
        Assert.Equal(first.Value!.Id, (await Provider.AuthorizeAsync(Charge(customer, card.Id, 10_000), key, None)).Value!.Id);
        Assert.Equal(PaymentError.IdempotencyConflict, (await Provider.AuthorizeAsync(Charge(customer, card.Id, 20_000), key, None)).Error);
    }

    [Fact]
    public async Task A_charge_on_a_dispute_card_shows_its_dispute_which_is_read_and_refuses_refunds()
    {
        var (customer, card) = await CustomerWithCardAsync("tok_createDispute");
        var charged = await Provider.AuthorizeAsync(Charge(customer, card.Id, 10_000), Key("dispute"), None);
        Assert.True(charged.IsSuccess, charged.Message);
        Charge? seen = null;
        // The dispute follows the charge's answer (the mock opens it on its next tick); read for up to 2 s.
        for (var i = 0; i < 20 && seen is not { Disputed: true }; i++)
        {
            seen = (await Provider.GetChargeAsync(charged.Value!.Id, None)).Value!;
            if (!seen.Disputed) await Task.Delay(100);
        }
        Assert.True(seen!.Disputed);
        Assert.StartsWith("dp_", seen.DisputeId);
        var dispute = await Provider.GetDisputeAsync(seen.DisputeId!, None);
        Assert.True(dispute.IsSuccess, dispute.Message);
        Assert.Equal((seen.DisputeId, charged.Value!.Id, 10_000L, "fraudulent", "needs_response"),
            (dispute.Value!.Id, dispute.Value.ChargeId, dispute.Value.AmountMills, dispute.Value.Reason, dispute.Value.Status));
        Assert.Equal(PaymentError.InvalidRequest, (await Provider.GetDisputeAsync("dp_" + Guid.NewGuid().ToString("N"), None)).Error);
        // Captured, it still cannot be refunded: the dispute decides where its money goes.
        Assert.True((await Provider.CaptureAsync(charged.Value.Id, Key("capture"), None)).IsSuccess);
        Assert.Equal(PaymentError.WrongChargeState, (await Provider.RefundAsync(charged.Value.Id, 1_000, Key("refund"), None)).Error);
        // An undisputed charge names no dispute.
        var (other, visa) = await CustomerWithCardAsync();
        var plain = await Provider.AuthorizeAsync(Charge(other, visa.Id, 10_000), Key("plain"), None);
        Assert.Equal((false, (string?)null), ((await Provider.GetChargeAsync(plain.Value!.Id, None)).Value!.Disputed, (await Provider.GetChargeAsync(plain.Value.Id, None)).Value!.DisputeId));
    }
}
