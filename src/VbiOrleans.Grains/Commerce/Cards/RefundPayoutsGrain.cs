using VbiOrleans.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.ProviderFiles.Nacha;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Commerce.Cards;

[GenerateSerializer]
public sealed class RefundPayoutRecord
{
    [Id(0)] public RefundPayoutRequest Request { get; set; } = null!;
    [Id(1)] public RefundPayoutStatus Status { get; set; }
    /// <summary>Set once the parts are decided and written, before the first refund is asked for.</summary>
    [Id(2)] public bool Planned { get; set; }
    [Id(3)] public List<RefundPayoutPart> Parts { get; set; } = [];
    [Id(4)] public long PaidMills { get; set; }
    [Id(5)] public string? Failure { get; set; }
    [Id(6)] public DateTimeOffset? PaidAt { get; set; }
}

[GenerateSerializer]
public sealed class RefundPayoutsState
{
    [Id(0)] public List<RefundPayoutRecord> Payouts { get; set; } = [];
}

/// <summary>
/// A customer's refunds paid out (<see cref="IRefundPayoutsGrain"/>). One activation per customer serializes its
/// payouts, so two of them never plan the same charge's unrefunded amount. Each payout:
/// <list type="number">
/// <item>is recorded (written) when the refunds consumer hands it over;</item>
/// <item>is planned: its amount in whole cents (a card refund and an ACH entry are whole cents; a remainder under a
/// cent stays payable) spread over the customer's undisputed captured purchase charges, newest first, each for at
/// most what the provider says is still unrefunded (less what other unpaid plans of this customer take); the plan is
/// written before the first refund;</item>
/// <item>each part is refunded with the key <c>refund-paid:{id}:{charge}</c> and its refund id written;</item>
/// <item><c>refund-paid:{id}</c> is posted: DR refunds-payable:c, CR card-clearing (idempotent by its id).</item>
/// </list>
/// A transient provider failure leaves the payout pending for the reminder; no charge to cover it, or a refund the
/// provider refuses, is an alert (event 2061) and waits for an operator.
/// </summary>
public sealed class RefundPayoutsGrain(
    [PersistentState(stateName: "refundPayouts", storageName: StorageNames.Commerce)] IPersistentState<RefundPayoutsState> state,
    ICardChargeStore cardCharges,
    IPaymentProvider provider,
    IOptions<RefundPayoutOptions> options,
    TimeProvider clock,
    ILogger<RefundPayoutsGrain> logger) : Grain, IRefundPayoutsGrain, IRemindable
{
    private const string ReminderName = "refund-payouts";

    public static readonly EventId PayoutStuckEvent = new(2061, "RefundPayoutStuck");

    public static readonly System.Diagnostics.Metrics.Counter<long> PayoutsCounter =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.refunds.payouts", description: "Refunds of unused postage paid out, and those that need an operator (by outcome)");

    private string CustomerId => this.GetPrimaryKeyString();

    private ILedgerGrain Ledger => GrainFactory.GetGrain<ILedgerGrain>(0);

    public async Task<RefundPayoutView> Pay(RefundPayoutRequest request)
    {
        var record = state.State.Payouts.FirstOrDefault(p => p.Request.Id == request.Id);
        if (record is null)
        {
            // Paid long ago and no longer kept: the ledger has it.
            if (await Ledger.Find(Postings.RefundPaidId(request.Id)) is { } entry)
                return new RefundPayoutView(request.Id, CustomerId, request.MeterId, request.Sequence, request.AmountMills, RefundPayoutStatus.Paid,
                    entry.Postings.Sum(p => p.DebitMills), [], null, entry.At);
            record = new RefundPayoutRecord { Request = request, Status = RefundPayoutStatus.Pending };
            state.State.Payouts.Add(record);
            await state.WriteStateAsync();
            await this.RegisterOrUpdateReminder(ReminderName, options.Value.RetryPeriod, options.Value.RetryPeriod);
        }
        if (record.Status == RefundPayoutStatus.Pending) await PayAsync(record);
        return View(record);
    }

    public Task<IReadOnlyList<RefundPayoutView>> Payouts() =>
        Task.FromResult<IReadOnlyList<RefundPayoutView>>([.. state.State.Payouts.AsEnumerable().Reverse().Select(View)]);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        foreach (var record in state.State.Payouts.Where(p => p.Status == RefundPayoutStatus.Pending).ToList())
            await PayAsync(record);
        if (state.State.Payouts.All(p => p.Status != RefundPayoutStatus.Pending) && await this.GetReminder(ReminderName) is { } reminder)
            await this.UnregisterReminder(reminder);
    }

    private async Task PayAsync(RefundPayoutRecord record)
    {
        var id = record.Request.Id;
        if (!record.Planned && !await PlanAsync(record)) return;

        for (var i = 0; i < record.Parts.Count; i++)
        {
            var part = record.Parts[i];
            if (part.PaidReference is not null) continue;
            string paidReference;
            if (part.Method == RefundPayoutPart.Ach)
            {
                // Queued once under the payout's entry id: the same request again answers the same credit.
                var queued = await GrainFactory.GetGrain<IAchOriginationGrain>(0).QueueDebit(new AchDebitRequest(Postings.RefundPaidId(id), CustomerId, part.Reference,
                    part.AmountMills, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime), AchDirection.Credit));
                if (!queued.IsSuccess)
                {
                    await StuckAsync(record, $"the ACH credit of {part.AmountMills} mills to {part.Reference} was refused: {queued.Error} {queued.Message}");
                    return;
                }
                paidReference = queued.Debit!.TraceNumber;
            }
            else
            {
                var refund = await provider.RefundAsync(part.Reference, part.AmountMills, $"refund-paid:{id}:{part.Reference}", CancellationToken.None);
                if (refund.IsTransient) return; // the same key again later
                if (!refund.IsSuccess)
                {
                    await StuckAsync(record, $"the refund of {part.AmountMills} mills against charge {part.Reference} was refused: {refund.Error} {refund.DeclineCode}");
                    return;
                }
                paidReference = refund.Value!.Id;
                Faults.FaultPoints.Reached(Faults.FaultPoints.RefundPaidOut);
            }
            record.Parts[i] = part with { PaidReference = paidReference };
            await state.WriteStateAsync();
        }

        if (record.PaidMills > 0)
        {
            var c = CustomerId;
            var toCards = record.Parts.Where(p => p.Method == RefundPayoutPart.Card).Sum(p => p.AmountMills);
            var posted = await Ledger.Post(new LedgerEntry(Postings.RefundPaidId(id), "refund-paid", clock.GetUtcNow(), c, record.Request.MeterId,
                string.Join(",", record.Parts.Select(p => p.PaidReference)),
                $"Refund of {new Mills(record.PaidMills).ToDollars()} withdrawn from {record.Request.MeterId} (sequence {record.Request.Sequence}) paid by {string.Join(", ", record.Parts.Select(p => $"{p.Method} {p.Reference}"))}",
                [.. Postings.RefundPaid(c, toCards, record.PaidMills - toCards).Select(Posting.Of)]));
            if (!posted.IsSuccess)
            {
                await StuckAsync(record, $"the ledger refused refund-paid:{id}: {posted.Status} {posted.Message}");
                return;
            }
        }
        record.Status = RefundPayoutStatus.Paid;
        record.Failure = null;
        record.PaidAt = clock.GetUtcNow();
        var paid = state.State.Payouts.Where(p => p.Status == RefundPayoutStatus.Paid).ToList();
        foreach (var old in paid.Take(Math.Max(0, paid.Count - options.Value.MaxPaidKept))) state.State.Payouts.Remove(old);
        await state.WriteStateAsync();
        logger.LogInformation("Refund {PayoutId} of customer {CustomerId} paid: {Paid} mills in {Parts} parts", id, CustomerId, record.PaidMills, record.Parts.Count);
        PayoutsCounter.Add(1, new KeyValuePair<string, object?>("outcome", "paid"));
    }

    /// <summary>Decides the parts and writes them; false when it cannot now (the provider did not answer, or no charge covers it).</summary>
    private async Task<bool> PlanAsync(RefundPayoutRecord record)
    {
        var amount = record.Request.AmountMills - record.Request.AmountMills % PaymentAmounts.MillsPerCent;
        // What other payouts of this customer planned and have not refunded yet is not in the provider's refunded amounts.
        var reserved = state.State.Payouts.Where(p => p != record && p.Status != RefundPayoutStatus.Paid)
            .SelectMany(p => p.Parts).Where(p => p.Method == RefundPayoutPart.Card && p.PaidReference is null)
            .GroupBy(p => p.Reference).ToDictionary(g => g.Key, g => g.Sum(p => p.AmountMills), StringComparer.Ordinal);
        var parts = new List<RefundPayoutPart>();
        var remaining = amount;
        // A customer who pays by bank account is paid back to it, in one ACH credit.
        if (amount > 0 && await GrainFactory.GetGrain<IPaymentMethodsGrain>(CustomerId).Default() is { Kind: PaymentMethodKind.BankAccount } bank)
        {
            parts.Add(new RefundPayoutPart(RefundPayoutPart.Ach, bank.Id, amount, null));
            remaining = 0;
        }
        foreach (var row in await NewestPurchasesFirstAsync(await cardCharges.ChargesOfCustomerAsync(CustomerId, options.Value.MaxChargesPerPayout)))
        {
            if (remaining == 0) break;
            var charge = await provider.GetChargeAsync(row.ChargeId, CancellationToken.None);
            if (charge.IsTransient) return false;
            if (!charge.IsSuccess || charge.Value!.Status != ChargeStatus.Captured || charge.Value.Disputed) continue;
            var left = charge.Value.AmountMills - charge.Value.RefundedMills - reserved.GetValueOrDefault(row.ChargeId);
            var take = Math.Min(remaining, left);
            if (take <= 0) continue;
            parts.Add(new RefundPayoutPart(RefundPayoutPart.Card, row.ChargeId, take, null));
            remaining -= take;
        }
        if (remaining > 0)
        {
            await StuckAsync(record, $"the customer's captured card charges have {amount - remaining} of the {amount} mills left to refund", stayPending: true);
            return false;
        }
        record.Parts = parts;
        record.PaidMills = amount;
        record.Planned = true;
        await state.WriteStateAsync();
        return true;
    }

    /// <summary>
    /// The undisputed purchase charges, the newest purchase first. By the purchase's own time, not the capture's: the
    /// purchases feed captures a batch's PVDs concurrently, so two purchases made a moment apart may be captured in
    /// either order.
    /// </summary>
    private async Task<IEnumerable<CardChargeRow>> NewestPurchasesFirstAsync(IReadOnlyList<CardChargeRow> rows)
    {
        var purchases = rows.Where(r => r.Purpose == CardChargePurposes.Purchase && r.DisputeId is null).ToList();
        var made = await Task.WhenAll(purchases.Select(async r => (Row: r, At: (await GrainFactory.GetGrain<IPurchaseGrain>(r.Reference).Get())?.CreatedAt ?? r.CapturedAt)));
        return made.OrderByDescending(m => m.At).ThenByDescending(m => m.Row.ChargeId, StringComparer.Ordinal).Select(m => m.Row);
    }

    private async Task StuckAsync(RefundPayoutRecord record, string failure, bool stayPending = false)
    {
        record.Failure = failure;
        if (!stayPending) record.Status = RefundPayoutStatus.Stuck;
        await state.WriteStateAsync();
        logger.LogError(PayoutStuckEvent, "Refund {PayoutId} of customer {CustomerId} ({Amount} mills) is not paid: {Failure}", record.Request.Id, CustomerId,
            record.Request.AmountMills, failure);
        PayoutsCounter.Add(1, new KeyValuePair<string, object?>("outcome", "stuck"));
    }

    private RefundPayoutView View(RefundPayoutRecord r) => new(r.Request.Id, CustomerId, r.Request.MeterId, r.Request.Sequence, r.Request.AmountMills, r.Status,
        r.PaidMills, [.. r.Parts], r.Failure, r.PaidAt);
}
