using System.Globalization;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Plans;

namespace VbiOrleans.Grains.Commerce;

[GenerateSerializer]
public sealed class CustomerPlanState
{
    [Id(0)] public List<PlanChoiceView> Choices { get; set; } = [];
    /// <summary>Labels counted per month (YYYY-MM), the last few months.</summary>
    [Id(1)] public Dictionary<string, long> LabelsByMonth { get; set; } = [];
    /// <summary>Per meter, the last sequence applied: the feed delivers in order per meter, so at or below it is a repeat.</summary>
    [Id(2)] public Dictionary<string, long> LastSequence { get; set; } = [];
    /// <summary>Fee entries decided and not yet known to be in the ledger; posted (idempotently) on every call until they are.</summary>
    [Id(3)] public List<LedgerEntry> Pending { get; set; } = [];
    /// <summary>Invoice numbers, oldest first.</summary>
    [Id(4)] public List<string> Invoices { get; set; } = [];
}

/// <summary>A customer's plan, label count and fee postings (see <see cref="ICustomerPlanGrain"/>).</summary>
public sealed class CustomerPlanGrain(
    [PersistentState(stateName: "customerPlan", storageName: StorageNames.Commerce)] IPersistentState<CustomerPlanState> state,
    PlanCatalogue catalogue,
    TimeProvider clock) : Grain, ICustomerPlanGrain
{
    /// <summary>Months of label counts kept: a print's fee is decided within days of the print.</summary>
    private const int MonthsKept = 3;

    private string CustomerId => this.GetPrimaryKeyString();

    private PlanTimeline Timeline => new([.. state.State.Choices.Select(c => new PlanChoice(c.Number, c.PlanId, c.Since))], catalogue);

    public Task<CustomerPlanView> Get() => Task.FromResult(View());

    public async Task<CustomerPlanResult> Choose(string planId)
    {
        if (catalogue.Find(planId) is not { } plan) return CustomerPlanResult.Fail(ErrorCode.UnknownPlan, $"no plan '{planId}' in the catalogue");
        var choices = state.State.Choices;
        if (choices.Count > 0 && choices[^1].PlanId == plan.Id) return new CustomerPlanResult(ErrorCode.None, null, View(), []);
        var now = clock.GetUtcNow();
        // Two changes within one second would make an empty segment; the later one wins from the same second.
        var since = choices.Count > 0 && now < choices[^1].Since ? choices[^1].Since : now;
        choices.Add(new PlanChoiceView(choices.Count + 1, plan.Id, since));
        await state.WriteStateAsync();
        // Said on every change (one-way, and a repeat changes nothing), so a lost message is mended by the next change.
        await GrainFactory.GetGrain<IInvoiceRunGrain>(0).Enroll(CustomerId);
        // The segments the change closes, posted now; the month's close posts them again with the same ids and amounts.
        var posted = await PostSegmentsAsync(BillingMonth.Of(since), since);
        return new CustomerPlanResult(ErrorCode.None, null, View(), posted);
    }

    public async Task<IReadOnlyList<PlanFeePosting>> CloseMonth(string month)
    {
        if (!BillingMonth.TryParse(month, out var m)) return [];
        var until = clock.GetUtcNow() < m.End ? clock.GetUtcNow() : m.End;
        return await PostSegmentsAsync(m, until);
    }

    public async Task RecordLabels(IReadOnlyList<LabelEvent> events)
    {
        // No plan, no fees: a customer who never chose one costs the feed no write (a later first choice bills only
        // what comes after it).
        if (state.State.Choices.Count == 0) return;
        var timeline = Timeline;
        var changed = false;
        var ledger = GrainFactory.GetGrain<ILedgerGrain>(0);
        foreach (var e in events)
        {
            if (state.State.LastSequence.TryGetValue(e.MeterId, out var last) && e.Sequence <= last) continue;
            state.State.LastSequence[e.MeterId] = e.Sequence;
            changed = true;
            if (e.IsRefund)
            {
                // A refunded label's fee is given back as a credit on the customer's account, applied on their next invoice.
                if (e.RefundedSequence is { } printed && await ledger.Find(LabelFeeEntryId(e.MeterId, printed)) is { } fee &&
                    fee.Postings.FirstOrDefault(p => p.Account == LedgerAccounts.FeesReceivable(CustomerId))?.DebitMills is > 0 and var mills)
                    state.State.Pending.Add(FeeRefundEntry(e, printed, mills));
                continue;
            }
            if (timeline.At(e.At) is not { } choice || catalogue.Find(choice.PlanId) is not { } plan) continue;
            var month = BillingMonth.Of(e.At).ToString();
            var before = state.State.LabelsByMonth.GetValueOrDefault(month);
            state.State.LabelsByMonth[month] = before + 1;
            if (LabelFees.FeeOf(plan, before) is > 0 and var labelFee) state.State.Pending.Add(LabelFeeEntry(e, plan, labelFee));
        }
        if (!changed && state.State.Pending.Count == 0) return;
        PruneMonths();
        // The decision is durable before it is posted: a crash after this write posts the same entries on the next call.
        if (changed) await state.WriteStateAsync();
        await PostPendingAsync(ledger);
    }

    public async Task AddInvoice(string number)
    {
        if (state.State.Invoices.Contains(number, StringComparer.Ordinal)) return;
        state.State.Invoices.Add(number);
        await state.WriteStateAsync();
    }

    public Task<IReadOnlyList<string>> Invoices() => Task.FromResult<IReadOnlyList<string>>([.. Enumerable.Reverse(state.State.Invoices)]);

    private async Task PostPendingAsync(ILedgerGrain ledger)
    {
        if (state.State.Pending.Count == 0) return;
        var results = await Task.WhenAll(state.State.Pending.Select(ledger.Post));
        // A conflict (the same id with other postings) is a defect, not a transient failure: it stays pending and visible.
        var failed = results.Zip(state.State.Pending).Where(x => !x.First.IsSuccess).Select(x => x.Second).ToList();
        state.State.Pending = failed;
        await state.WriteStateAsync();
        if (failed.Count > 0)
            throw new InvalidOperationException($"{failed.Count} fee entries of customer {CustomerId} were refused by the ledger, first {failed[0].Id}: {results.First(r => !r.IsSuccess).Status}");
    }

    private async Task<IReadOnlyList<PlanFeePosting>> PostSegmentsAsync(BillingMonth month, DateTimeOffset until)
    {
        var ledger = GrainFactory.GetGrain<ILedgerGrain>(0);
        var posted = new List<PlanFeePosting>();
        foreach (var segment in Timeline.Segments(month, until))
        {
            var entry = PlanFeeEntry(segment);
            var result = await ledger.Post(entry);
            if (!result.IsSuccess) throw new InvalidOperationException($"plan fee {entry.Id} refused by the ledger: {result.Status}");
            posted.Add(new PlanFeePosting(entry.Id, segment.PlanId, segment.From, segment.To, segment.FeeMills));
        }
        return posted;
    }

    private void PruneMonths()
    {
        var oldest = BillingMonth.Of(clock.GetUtcNow());
        for (int i = 1; i < MonthsKept; i++) oldest = oldest.Previous;
        foreach (var month in state.State.LabelsByMonth.Keys.ToList())
        {
            if (BillingMonth.TryParse(month, out var m) && m < oldest) state.State.LabelsByMonth.Remove(month);
        }
    }

    private CustomerPlanView View()
    {
        var choices = state.State.Choices;
        var month = BillingMonth.Of(clock.GetUtcNow()).ToString();
        return new CustomerPlanView(CustomerId, choices.Count > 0 ? choices[^1].PlanId : null, choices.Count > 0 ? choices[^1].Since : null,
            Timeline.TrialEnd, [.. choices], month, state.State.LabelsByMonth.GetValueOrDefault(month));
    }

    public static string LabelFeeEntryId(string meterId, long sequence) => $"fee:{meterId}:{sequence}";

    public static string PlanFeeEntryId(string customerId, BillingMonth month, int choiceNumber) =>
        string.Create(CultureInfo.InvariantCulture, $"plan-fee:{customerId}:{month}:{choiceNumber}");

    private LedgerEntry LabelFeeEntry(LabelEvent e, Plan plan, long mills) => new(
        LabelFeeEntryId(e.MeterId, e.Sequence), FeeKinds.LabelFee, e.At, CustomerId, e.MeterId, $"{e.MeterId}:{e.Sequence}",
        $"Label fee, {plan.Name} plan", [Posting.Debit(LedgerAccounts.FeesReceivable(CustomerId), mills), Posting.Credit(LedgerAccounts.FeeRevenue, mills)]);

    private LedgerEntry FeeRefundEntry(LabelEvent e, long printedSequence, long mills) => new(
        $"fee-refund:{e.MeterId}:{e.Sequence}", FeeKinds.FeeRefund, e.At, CustomerId, e.MeterId, LabelFeeEntryId(e.MeterId, printedSequence),
        "Label fee of a refunded label, credited", [Posting.Debit(LedgerAccounts.FeeRevenue, mills), Posting.Credit(LedgerAccounts.CustomerCredit(CustomerId), mills)]);

    private LedgerEntry PlanFeeEntry(PlanFeeSegment s)
    {
        var name = catalogue.Find(s.PlanId)?.Name ?? s.PlanId;
        // Dated inside the month it bills, so the month's invoice reads it whenever it is posted.
        var at = s.To < s.Month.End ? s.To : s.Month.End.AddSeconds(-1);
        var memo = string.Create(CultureInfo.InvariantCulture, $"{name} plan, {s.From:yyyy-MM-dd HH:mm} to {s.To:yyyy-MM-dd HH:mm} UTC");
        return new LedgerEntry(PlanFeeEntryId(CustomerId, s.Month, s.ChoiceNumber), FeeKinds.PlanFee, at, CustomerId, null, s.PlanId, memo,
            [Posting.Debit(LedgerAccounts.FeesReceivable(CustomerId), s.FeeMills), Posting.Credit(LedgerAccounts.FeeRevenue, s.FeeMills)]);
    }
}

/// <summary>The ledger entry kinds of plans and invoices.</summary>
public static class FeeKinds
{
    public const string PlanFee = "plan-fee";
    public const string LabelFee = "fee";
    public const string FeeRefund = "fee-refund";
    public const string InvoicePaid = "invoice-paid";
    public const string CreditApplied = "credit-applied";
}
