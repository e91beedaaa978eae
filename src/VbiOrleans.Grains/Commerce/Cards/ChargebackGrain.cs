using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Ledger;
using VbiOrleans.Domain.Money;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>
/// The dispute sweep (<see cref="IChargebackGrain"/>). The payment provider is asked about each captured charge
/// (<see cref="IPaymentProvider.GetChargeAsync"/>: disputed, and which dispute), because a list of disputes is not
/// something every provider serves (stripe-stateful-mock has none). Order, so that a crash anywhere is finished by
/// the next sweep and nothing is applied twice: the dispute is recorded on the charge's row first; then the ledger
/// entry (idempotent by its id), the lock (idempotent by reason and reference), the purchase's reversal (idempotent
/// by its reference); then the row is marked applied.
/// </summary>
public sealed class ChargebackGrain(
    ICardChargeStore store,
    IPaymentProvider provider,
    IOptions<ChargebackOptions> options,
    TimeProvider clock,
    ILogger<ChargebackGrain> logger) : Grain, IChargebackGrain, IRemindable
{
    private const string ReminderName = "dispute-sweep";
    private const string By = "chargebacks";

    public static readonly EventId ChargebackEvent = new(2060, "Chargeback");

    public static readonly System.Diagnostics.Metrics.Counter<long> ChargebacksApplied =
        Telemetry.VbiTelemetry.Meter.CreateCounter<long>("vbi.chargebacks", description: "Card disputes applied: posted, account locked, purchase reversed (by purpose)");

    private ChargebackOptions Options => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        await this.RegisterOrUpdateReminder(ReminderName, Options.SweepPeriod, Options.SweepPeriod);

    public Task Schedule() => Task.CompletedTask;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        try
        {
            await Sweep();
        }
        catch (Exception e)
        {
            logger.LogError("The dispute sweep failed; its next tick retries: {Error}", e.Message);
        }
    }

    public async Task<DisputeSweepResult> Sweep()
    {
        var applied = new List<ChargebackView>();
        // First what an earlier sweep recorded and did not finish.
        foreach (var pending in await store.PendingChargebacksAsync(Options.MaxPendingPerSweep))
            if (await ApplyAsync(pending) is { } view) applied.Add(view);

        var now = clock.GetUtcNow();
        var due = await store.DueForDisputeCheckAsync(now - Options.WatchFor, Options.MaxChargesPerSweep);
        var answers = new (CardChargeRow Row, PaymentResult<Charge> Charge)[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count), new ParallelOptions { MaxDegreeOfParallelism = Options.SweepParallelism },
            async (i, cancellationToken) => answers[i] = (due[i], await provider.GetChargeAsync(due[i].ChargeId, cancellationToken)));
        var unanswered = answers.Count(a => !a.Charge.IsSuccess);
        await store.MarkCheckedAsync([.. answers.Where(a => a.Charge.IsSuccess).Select(a => a.Row.ChargeId)], now);

        foreach (var (row, answer) in answers)
        {
            if (!answer.IsSuccess || !answer.Value!.Disputed || answer.Value.DisputeId is not { } disputeId) continue;
            var dispute = await provider.GetDisputeAsync(disputeId, CancellationToken.None);
            if (!dispute.IsSuccess)
            {
                // Asked again next sweep: the charge is still undisputed in our rows.
                logger.LogWarning("Charge {ChargeId} is disputed ({DisputeId}) but the dispute could not be read: {Error}", row.ChargeId, disputeId, dispute.Error);
                continue;
            }
            var recorded = await store.RecordDisputeAsync(row.ChargeId, disputeId, dispute.Value!.AmountMills, dispute.Value.Reason, now);
            if (await ApplyAsync(recorded) is { } view) applied.Add(view);
        }
        if (due.Count > 0 || applied.Count > 0)
            logger.LogInformation("Dispute sweep: {Checked} charges checked, {Unanswered} unanswered, {Applied} chargebacks applied", due.Count, unanswered, applied.Count);
        return new DisputeSweepResult(due.Count, unanswered, applied);
    }

    public async Task<IReadOnlyList<ChargebackView>> Chargebacks(string customerId, int limit) =>
        [.. (await store.ChargesOfCustomerAsync(customerId, Math.Clamp(limit, 1, 1_000))).Where(r => r.DisputeId is not null).Select(View)];

    /// <summary>The effects of a recorded dispute, each idempotent; null when one could not be done now (the next sweep tries again).</summary>
    private async Task<ChargebackView?> ApplyAsync(CardChargeRow row)
    {
        var disputeId = row.DisputeId!;
        var amount = row.DisputeMills ?? row.AmountMills;
        var posted = await GrainFactory.GetGrain<ILedgerGrain>(0).Post(new LedgerEntry(Postings.ChargebackId(disputeId), "chargeback", row.DisputedAt ?? clock.GetUtcNow(),
            row.CustomerId, null, row.ChargeId,
            $"Card charge {row.ChargeId} ({row.Purpose} {row.Reference}) disputed ({row.DisputeReason}): {new Mills(amount).ToDollars()} charged back",
            [.. Postings.Chargeback(amount).Select(Posting.Of)]));
        if (!posted.IsSuccess)
        {
            logger.LogError(LedgerEvents.EntryConflict, "The chargeback of dispute {DisputeId} was not posted: {Status} {Message}", disputeId, posted.Status, posted.Message);
            return null;
        }
        await GrainFactory.GetGrain<ICommerceAccountGrain>(row.CustomerId).Lock(new AccountLock(AccountLockReason.Chargeback, disputeId,
            $"card charge {row.ChargeId} disputed ({row.DisputeReason})", By, clock.GetUtcNow()));
        if (row.Purpose == CardChargePurposes.Purchase)
        {
            var reversed = await GrainFactory.GetGrain<IPurchaseGrain>(row.Reference).Reverse("chargeback", disputeId);
            // A purchase whose settlement has not been written yet is reversed by the next sweep.
            if (!reversed.IsSuccess && reversed.Error == Domain.Errors.ErrorCode.PurchaseNotAuthorized)
            {
                logger.LogWarning("Dispute {DisputeId}: purchase {PurchaseId} is not settled yet; reversed by the next sweep", disputeId, row.Reference);
                return null;
            }
            if (!reversed.IsSuccess)
                logger.LogError(ChargebackEvent, "Dispute {DisputeId}: purchase {PurchaseId} could not be reversed: {Error} {Message}", disputeId, row.Reference, reversed.Error, reversed.Message);
        }
        await store.MarkChargebackAppliedAsync(row.ChargeId);
        // The alert: someone decides whether to contest the dispute, and whether the customer may buy again.
        logger.LogError(ChargebackEvent, "Chargeback: card charge {ChargeId} of customer {CustomerId} ({Purpose} {Reference}) disputed as {Reason}, dispute {DisputeId}, {Amount} mills; account locked",
            row.ChargeId, row.CustomerId, row.Purpose, row.Reference, row.DisputeReason, disputeId, amount);
        ChargebacksApplied.Add(1, new KeyValuePair<string, object?>("purpose", row.Purpose));
        return View(row with { ChargebackApplied = true });
    }

    private static ChargebackView View(CardChargeRow r) => new(r.ChargeId, r.CustomerId, r.Purpose, r.Reference, r.AmountMills, r.DisputeId!,
        r.DisputeMills ?? r.AmountMills, r.DisputeReason ?? "", r.DisputedAt ?? r.CapturedAt, r.ChargebackApplied);
}
