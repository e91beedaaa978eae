using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Domain.Plans;

namespace VbiOrleans.Grains.Commerce;

[GenerateSerializer]
public sealed class InvoiceRunState
{
    /// <summary>Customers who ever chose a plan: the ones a run looks at.</summary>
    [Id(0)] public HashSet<string> Customers { get; set; } = [];
    /// <summary>Invoices still being collected, resumed by the reminder.</summary>
    [Id(1)] public HashSet<string> Open { get; set; } = [];
    /// <summary>The last month run (YYYY-MM).</summary>
    [Id(2)] public string? LastMonth { get; set; }
}

/// <summary>The monthly invoice run (see <see cref="IInvoiceRunGrain"/>).</summary>
public sealed class InvoiceRunGrain(
    [PersistentState(stateName: "invoiceRun", storageName: StorageNames.Commerce)] IPersistentState<InvoiceRunState> state,
    IOptions<InvoiceOptions> options,
    TimeProvider clock,
    ILogger<InvoiceRunGrain> logger) : Grain, IInvoiceRunGrain, IRemindable
{
    public async Task Schedule() =>
        await this.RegisterOrUpdateReminder("invoice-run", options.Value.ReminderPeriod, options.Value.ReminderPeriod);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var now = clock.GetUtcNow();
        var previous = BillingMonth.Of(now).Previous;
        var last = state.State.LastMonth is { } l && BillingMonth.TryParse(l, out var m) ? m : (BillingMonth?)null;
        if ((last is null || last < previous) && now >= previous.End + options.Value.RunAfterMonthEnd)
        {
            var result = await Run(previous.ToString());
            if (!result.IsSuccess) logger.LogWarning("Invoice run of {Month} did not finish: {Error} {Message}", previous, result.Error, result.Message);
        }
        foreach (var number in state.State.Open.ToList())
        {
            await GrainFactory.GetGrain<IInvoiceGrain>(number).Resume();
        }
    }

    public async Task<InvoiceRunResult> Run(string month)
    {
        if (!BillingMonth.TryParse(month, out var m) || clock.GetUtcNow() < m.End)
            return new InvoiceRunResult(ErrorCode.InvalidBillingMonth, $"'{month}' is not a month that has ended (YYYY-MM)", month, []);
        if (!await FeesCaughtUpAsync())
            return new InvoiceRunResult(ErrorCode.FeesNotCaughtUp, "the fees consumer has not applied the log yet; run again shortly", month, []);
        var invoices = new List<InvoiceView>();
        foreach (var batch in state.State.Customers.Order(StringComparer.Ordinal).Chunk(options.Value.RunConcurrency))
        {
            var issued = await Task.WhenAll(batch.Select(async customerId =>
            {
                await GrainFactory.GetGrain<ICustomerPlanGrain>(customerId).CloseMonth(m.ToString());
                return await GrainFactory.GetGrain<IInvoiceGrain>(InvoiceDocument.NumberOf(m, customerId)).Issue(customerId, m.ToString());
            }));
            invoices.AddRange(issued.OfType<InvoiceView>());
        }
        foreach (var invoice in invoices.Where(i => i.Status == InvoiceStatus.Open)) state.State.Open.Add(invoice.Number);
        if (state.State.LastMonth is null || (BillingMonth.TryParse(state.State.LastMonth, out var last) && last < m)) state.State.LastMonth = m.ToString();
        await state.WriteStateAsync();
        logger.LogInformation("Invoice run of {Month}: {Count} invoices", m, invoices.Count);
        return new InvoiceRunResult(ErrorCode.None, null, m.ToString(), invoices);
    }

    public async Task Enroll(string customerId)
    {
        if (!state.State.Customers.Add(customerId)) return;
        await state.WriteStateAsync();
    }

    public async Task Settled(string number)
    {
        if (!state.State.Open.Remove(number)) return;
        await state.WriteStateAsync();
    }

    /// <summary>Waits, bounded, for the fees consumer to apply the log as far as it reached when the run began.</summary>
    private async Task<bool> FeesCaughtUpAsync()
    {
        var feed = GrainFactory.GetGrain<ILogFeedGrain>(LogFeedConsumers.Fees);
        var status = await feed.Status();
        var began = status;
        var deadline = clock.GetUtcNow() + options.Value.FeesCatchUpWait;
        while (!status.HasReached(began))
        {
            if (clock.GetUtcNow() >= deadline) return false;
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock);
            status = await feed.Status();
        }
        return true;
    }
}
