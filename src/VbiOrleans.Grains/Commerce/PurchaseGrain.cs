using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Telemetry;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Commerce;

[GenerateSerializer]
public sealed class PurchaseState
{
    [Id(0)] public PurchaseRequest? Request { get; set; }
    /// <summary>Null until the provider answered the authorization (the write-ahead of <see cref="PurchaseGrain.Authorize"/>).</summary>
    [Id(1)] public PurchaseStatus? Status { get; set; }
    [Id(2)] public PaymentMethodKind MethodKind { get; set; }
    [Id(3)] public string? ChargeId { get; set; }
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The PVD request that claimed the purchase (its idempotency key at the meter) and the sequence it was to have.</summary>
    [Id(5)] public string? ClaimKey { get; set; }
    [Id(6)] public long? ClaimSequence { get; set; }
    [Id(7)] public DateTimeOffset? ClaimedAt { get; set; }
    [Id(8)] public long? PvdSequence { get; set; }
    [Id(9)] public DateTimeOffset? SettledAt { get; set; }
    /// <summary>Why the authorization ended without one: a decline code, or the provider's refusal.</summary>
    [Id(10)] public ErrorCode? Failure { get; set; }
    [Id(11)] public string? FailureMessage { get; set; }
    /// <summary>Why and by what the payment was reversed after its PVD (<c>ach-return</c>, a trace number).</summary>
    [Id(12)] public string? ReversedBy { get; set; }
}

/// <summary>
/// One purchase: one payment for one PVD (docs/commerce.md, "Buying postage"). The grain is the purchase's one place of
/// order; its state is written before every call to the payment provider that the state depends on, and every call
/// carries an idempotency key made from the purchase id and the step, so a crash anywhere repeats a call the provider
/// answers the same way, and never makes a second charge.
/// <list type="bullet">
/// <item>Authorize: the intent is written first (and a reminder registered), then the card is authorized
/// (uncaptured). A bank account needs no call: its debit is queued when the PVD is durable.</item>
/// <item>Claim: the module session, about to execute a PVD carrying this purchase, claims it for the request.</item>
/// <item>Settle: the log feed saw the PVD durable: the charge is captured (or the ACH debit queued).</item>
/// <item>The reminder mends what a crash left: an authorization that never got its answer is asked again; one no
/// durable PVD used within <see cref="PurchaseOptions.ReleaseAfter"/> is released; a durable PVD not yet settled is settled.</item>
/// </list>
/// </summary>
public sealed class PurchaseGrain(
    [PersistentState(stateName: "purchase", storageName: StorageNames.Commerce)] IPersistentState<PurchaseState> purchase,
    IPaymentProvider provider,
    Cards.ICardChargeStore cardCharges,
    Log.TransactionLogs log,
    Log.Export.IExportDayIndex exportIndex,
    IOptions<PurchaseOptions> options,
    TimeProvider clock,
    ILogger<PurchaseGrain> logger) : Grain, IPurchaseGrain, IRemindable
{
    private const string MendReminder = "mend";
    private string Id => this.GetPrimaryKeyString();
    private PurchaseState State => purchase.State;

    public async Task<PurchaseResult> Authorize(PurchaseRequest request)
    {
        if (State.Request is { } earlier)
        {
            if (earlier != request)
                return PurchaseResult.Fail(ErrorCode.IdempotencyKeyReused, $"idempotency key '{request.RequestKey}' was used for another purchase");
            // The same request again: answer what it got, or finish an authorization a crash or a timeout interrupted.
            if (State.Status is not null) return Answer();
            return await AuthorizeCardAsync();
        }

        if (request.AmountMills <= 0 || request.AmountMills > options.Value.MaxAmountMills)
            return PurchaseResult.Fail(ErrorCode.InvalidAmount, $"a purchase is from 1 to {options.Value.MaxAmountMills} mills");
        var standing = await GrainFactory.GetGrain<ICommerceAccountGrain>(request.CustomerId).Standing();
        if (standing.Locked)
            return PurchaseResult.Fail(ErrorCode.AccountLocked,
                $"the account is locked for new postage ({string.Join(", ", standing.Locks.Select(l => l.Reason))}); pay what is owed or contact customer care");
        var method = await GrainFactory.GetGrain<IPaymentMethodsGrain>(request.CustomerId).Find(request.PaymentMethodId);
        if (method is null) return PurchaseResult.Fail(ErrorCode.PaymentMethodNotFound, $"the account has no payment method {request.PaymentMethodId}");
        if (method.Kind == PaymentMethodKind.Card && request.AmountMills % 10 != 0)
            return PurchaseResult.Fail(ErrorCode.AmountNotWholeCents, "a card payment is in whole cents (a multiple of 10 mills)");

        State.Request = request;
        State.MethodKind = method.Kind;
        State.CreatedAt = clock.GetUtcNow();
        if (method.Kind == PaymentMethodKind.BankAccount)
        {
            // An ACH debit is sent once its PVD is durable (docs/commerce.md): nothing to authorize at a provider.
            State.Status = PurchaseStatus.Authorized;
            await WriteAsync();
            await KeepMendingAsync();
            VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", "authorized"));
            return Answer();
        }

        // Write-ahead: once the provider may hold an authorization, this purchase knows it, whatever happens next.
        await WriteAsync();
        await KeepMendingAsync();
        return await AuthorizeCardAsync();
    }

    private async Task<PurchaseResult> AuthorizeCardAsync()
    {
        var request = State.Request!;
        var method = await GrainFactory.GetGrain<IPaymentMethodsGrain>(request.CustomerId).Find(request.PaymentMethodId);
        if (method is null || method.ProviderCustomerId is null || method.SourceId is null)
            return await EndAuthorizationAsync(ErrorCode.PaymentMethodNotFound, $"payment method {request.PaymentMethodId} is gone");
        var metadata = new Dictionary<string, string> { ["purchase"] = Id, ["meter"] = request.MeterId, ["customer"] = request.CustomerId };
        var charge = await provider.AuthorizeAsync(new ChargeRequest(method.ProviderCustomerId, method.SourceId, request.AmountMills,
            $"Postage for meter {request.MeterId}", metadata), $"{Id}:authorize", CancellationToken.None);
        if (charge.IsTransient)
        {
            // The provider may or may not hold it: the purchase stays undecided, and the same call (same key) is made
            // again by a retry of the request or by the reminder, which releases what it finds.
            VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", "provider-unavailable"));
            return PurchaseResult.Fail(ErrorCode.PaymentProviderUnavailable,
                "the payment provider did not answer; retry with the same Idempotency-Key (nothing is charged twice)");
        }
        if (!charge.IsSuccess) return await EndAuthorizationAsync(ErrorOf(charge.Error), DeclineMessage(charge));
        Faults.FaultPoints.Reached(Faults.FaultPoints.PurchaseAuthorized);

        State.ChargeId = charge.Value!.Id;
        State.Status = PurchaseStatus.Authorized;
        await WriteAsync();
        VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", "authorized"));
        return Answer();
    }

    private async Task<PurchaseResult> EndAuthorizationAsync(ErrorCode error, string message)
    {
        State.Status = PurchaseStatus.Released;
        State.Failure = error;
        State.FailureMessage = message;
        await WriteAsync();
        await StopMendingAsync();
        VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", error.ToString()));
        return PurchaseResult.Fail(error, message);
    }

    private static ErrorCode ErrorOf(PaymentError error) => error switch
    {
        PaymentError.Declined => ErrorCode.PaymentDeclined,
        PaymentError.InsufficientFunds => ErrorCode.PaymentInsufficientFunds,
        PaymentError.Unavailable or PaymentError.RateLimited => ErrorCode.PaymentProviderUnavailable,
        _ => ErrorCode.PaymentDeclined,
    };

    private static string DeclineMessage<T>(PaymentResult<T> result) =>
        result.Error == PaymentError.InsufficientFunds ? "the card was declined for insufficient funds"
        : $"the card was declined{(result.DeclineCode is { } code ? $" ({code})" : "")}";

    public Task<PurchaseView?> Get() => Task.FromResult(View());

    public async Task<PurchaseResult> Claim(string meterId, long amountMills, string requestKey, long pvdSequence)
    {
        var request = State.Request;
        if (request is null || State.Status is null or PurchaseStatus.Released or PurchaseStatus.Reversed || request.MeterId != meterId)
            return PurchaseResult.Fail(ErrorCode.PurchaseNotAuthorized, $"purchase {Id} is not an authorized purchase for meter {meterId}");
        if (request.AmountMills != amountMills)
            return PurchaseResult.Fail(ErrorCode.PurchaseAmountMismatch, $"purchase {Id} is for {request.AmountMills} mills, not {amountMills}");
        if (State.Status == PurchaseStatus.Settled || (State.ClaimKey is { } claimedBy && claimedBy != requestKey))
            return PurchaseResult.Fail(ErrorCode.PurchaseAlreadyUsed, $"purchase {Id} paid for another postage value download");
        if (State.ClaimKey == requestKey && State.ClaimSequence == pvdSequence) return Answer();
        State.ClaimKey = requestKey;
        State.ClaimSequence = pvdSequence;
        State.ClaimedAt = clock.GetUtcNow();
        State.Status = PurchaseStatus.Claimed;
        await WriteAsync();
        return Answer();
    }

    public async Task Unclaim(string requestKey)
    {
        if (State.Status != PurchaseStatus.Claimed || State.ClaimKey != requestKey) return;
        State.ClaimKey = null;
        State.ClaimSequence = null;
        State.ClaimedAt = null;
        State.Status = PurchaseStatus.Authorized;
        await WriteAsync();
    }

    public async Task<PurchaseResult> Settle(string meterId, long sequence)
    {
        var request = State.Request;
        if (request is null || request.MeterId != meterId)
        {
            logger.LogCritical(VbiTelemetry.PvdWithoutPurchaseEvent, "Meter {MeterId}: the durable PVD at sequence {Sequence} names purchase {PurchaseId}, which is not this meter's",
                meterId, sequence, Id);
            VbiTelemetry.PurchaseAlerts.Add(1, new KeyValuePair<string, object?>("alert", "pvd-without-purchase"));
            return PurchaseResult.Fail(ErrorCode.PurchaseNotAuthorized, $"purchase {Id} is not meter {meterId}'s");
        }
        if (State.Status == PurchaseStatus.Settled) return Answer();
        if (State.Status is PurchaseStatus.Released or PurchaseStatus.Reversed or null)
        {
            // Cannot happen by design (a purchase is released only when the log has no PVD for it, long after any
            // request ends): the postage exists and its payment does not. Loud, and left to an operator.
            logger.LogCritical(VbiTelemetry.PvdWithoutPurchaseEvent, "Meter {MeterId}: the durable PVD at sequence {Sequence} used purchase {PurchaseId}, whose payment is {Status}",
                meterId, sequence, Id, State.Status?.ToString() ?? "not authorized");
            VbiTelemetry.PurchaseAlerts.Add(1, new KeyValuePair<string, object?>("alert", "pvd-of-released-purchase"));
            return PurchaseResult.Fail(ErrorCode.PurchaseNotAuthorized, $"purchase {Id} was {State.Status}");
        }

        if (State.MethodKind == PaymentMethodKind.Card)
        {
            var captured = await provider.CaptureAsync(State.ChargeId!, $"{Id}:capture", CancellationToken.None);
            if (!captured.IsSuccess && captured.Error == PaymentError.WrongChargeState)
            {
                // Captured already (by an earlier attempt whose answer was lost) is success; anything else is an alert.
                var charge = await provider.GetChargeAsync(State.ChargeId!, CancellationToken.None);
                if (charge.IsSuccess && charge.Value!.Status == ChargeStatus.Captured) captured = charge;
            }
            if (!captured.IsSuccess)
            {
                // Thrown, so the feed delivers the record again with backoff; printing is not held up.
                throw new PaymentNotSettledException($"purchase {Id}: the capture of charge {State.ChargeId} failed: {captured.Error} {captured.Message}");
            }
            Faults.FaultPoints.Reached(Faults.FaultPoints.PurchaseCaptured);
            // Watched for disputes, and refunded against when the customer withdraws (recorded again if a crash repeats this).
            await cardCharges.RecordCaptureAsync(new Cards.CardChargeRow(State.ChargeId!, request.CustomerId, Cards.CardChargePurposes.Purchase, Id,
                request.AmountMills, clock.GetUtcNow()));
        }
        else
        {
            // A bank account pays by an ACH debit in the day's NACHA file, queued once per purchase.
            var queued = await GrainFactory.GetGrain<IAchOriginationGrain>(0).QueueDebit(new AchDebitRequest(Id, request.CustomerId,
                request.PaymentMethodId, request.AmountMills, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)));
            if (!queued.IsSuccess)
                throw new PaymentNotSettledException($"purchase {Id}: its ACH debit could not be queued: {queued.Error} {queued.Message}");
        }
        State.Status = PurchaseStatus.Settled;
        State.PvdSequence = sequence;
        State.SettledAt = clock.GetUtcNow();
        await WriteAsync();
        await StopMendingAsync();
        VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", "settled"));
        return Answer();
    }

    public async Task<PurchaseResult> Reverse(string reason, string reference)
    {
        if (State.Request is null || State.Status is null) return PurchaseResult.Fail(ErrorCode.PurchaseNotFound, $"no purchase {Id}");
        var by = $"{reason}:{reference}";
        if (State.Status == PurchaseStatus.Reversed)
            return State.ReversedBy == by ? Answer() : PurchaseResult.Fail(ErrorCode.PurchaseAlreadyUsed, $"purchase {Id} was reversed by {State.ReversedBy}");
        if (State.Status != PurchaseStatus.Settled)
            return PurchaseResult.Fail(ErrorCode.PurchaseNotAuthorized, $"purchase {Id} is {State.Status}: only a settled purchase is reversed");
        State.Status = PurchaseStatus.Reversed;
        State.ReversedBy = by;
        await WriteAsync();
        logger.LogWarning("Purchase {PurchaseId} reversed ({Reason} {Reference}); its postage stays in meter {MeterId}", Id, reason, reference, State.Request.MeterId);
        VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", "reversed"));
        return Answer();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != MendReminder) return;
        await MendAsync();
    }

    /// <summary>What a crash or a silent client left behind, mended: see the class remarks.</summary>
    private async Task MendAsync()
    {
        var request = State.Request;
        if (request is null || State.Status is PurchaseStatus.Settled or PurchaseStatus.Released or PurchaseStatus.Reversed)
        {
            await StopMendingAsync();
            return;
        }
        var age = clock.GetUtcNow() - State.CreatedAt;
        if (State.Status is null)
        {
            // The authorization never got its answer. Ask again with the same key; whatever it holds is released below.
            if (age > options.Value.GiveUpAuthorizingAfter)
            {
                logger.LogCritical(VbiTelemetry.PurchaseUnresolvedEvent, "Purchase {PurchaseId}: the payment provider has not answered its authorization for {Age}; left to an operator", Id, age);
                VbiTelemetry.PurchaseAlerts.Add(1, new KeyValuePair<string, object?>("alert", "authorization-unresolved"));
                return;
            }
            if ((await AuthorizeCardAsync()).Error == ErrorCode.PaymentProviderUnavailable) return;
            if (State.Status != PurchaseStatus.Authorized) return;
        }

        // A claimed PVD that made it to the log is settled, whether or not the feed got there first.
        if (State.ClaimSequence is { } sequence
            && (await log.ReadMeterAtAsync(request.MeterId, sequence)).Any(r => !r.Change.IsEvent && r.Change.Command is PostageValueDownloadCommand pvd && pvd.PaymentReference == Id))
        {
            await Settle(request.MeterId, sequence);
            return;
        }
        var since = State.ClaimedAt ?? State.CreatedAt;
        if (clock.GetUtcNow() - since < options.Value.ReleaseAfter) return;

        if (State.MethodKind == PaymentMethodKind.Card && State.ChargeId is { } chargeId)
        {
            var released = await provider.ReleaseAsync(chargeId, $"{Id}:release", CancellationToken.None);
            if (!released.IsSuccess && released.IsTransient) return;
            if (!released.IsSuccess)
            {
                var charge = await provider.GetChargeAsync(chargeId, CancellationToken.None);
                if (!(charge.IsSuccess && charge.Value!.Status == ChargeStatus.Released))
                {
                    logger.LogError(VbiTelemetry.PurchaseUnresolvedEvent, "Purchase {PurchaseId}: releasing charge {ChargeId} failed: {Error}", Id, chargeId, released.Error);
                    return;
                }
            }
        }
        State.Status = PurchaseStatus.Released;
        State.Failure = ErrorCode.PurchaseNotAuthorized;
        State.FailureMessage = $"no postage value download used it within {options.Value.ReleaseAfter}";
        await WriteAsync();
        await StopMendingAsync();
        logger.LogInformation("Purchase {PurchaseId} released: no PVD used it within {ReleaseAfter}", Id, options.Value.ReleaseAfter);
        VbiTelemetry.Purchases.Add(1, new KeyValuePair<string, object?>("outcome", "released"));
    }

    private DateOnly? _exportMarked;

    /// <summary>
    /// The state, written after its day is marked for the nightly export (write-ahead: a durable state is never missed
    /// by the export). A day this activation marked already is durable in the index: not marked again.
    /// </summary>
    private async Task WriteAsync()
    {
        var now = clock.GetUtcNow();
        if (_exportMarked != DateOnly.FromDateTime(now.UtcDateTime))
        {
            await exportIndex.MarkAsync(Log.Export.ExportIndexKind.Purchase, Id, now);
            _exportMarked = DateOnly.FromDateTime(now.UtcDateTime);
        }
        await purchase.WriteStateAsync();
    }

    private Task KeepMendingAsync() => this.RegisterOrUpdateReminder(MendReminder, options.Value.CheckPeriod, options.Value.CheckPeriod);

    private async Task StopMendingAsync()
    {
        if (await this.GetReminder(MendReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private PurchaseResult Answer() =>
        State.Status == PurchaseStatus.Released && State.Failure is { } failure && State.Failure != ErrorCode.PurchaseNotAuthorized
            ? new PurchaseResult(failure, State.FailureMessage, View())
            : new PurchaseResult(ErrorCode.None, null, View());

    private PurchaseView? View() => State.Request is not { } r || State.Status is null ? null
        : new PurchaseView(Id, r.CustomerId, r.MeterId, r.AmountMills, r.PaymentMethodId, State.MethodKind, State.Status.Value, State.ChargeId,
            State.CreatedAt, State.PvdSequence, State.SettledAt);
}

/// <summary>A durable PVD's payment could not be settled now; the log feed delivers it again.</summary>
public sealed class PaymentNotSettledException(string message) : Exception(message);
