using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>Card settlement's schedule and bounds (<c>Vbi:CardSettlement</c>).</summary>
public sealed class CardSettlementOptions
{
    public const string Section = "Vbi:CardSettlement";

    /// <summary>Days after a day's end before the processor pays it out (Stripe's standard US payout schedule is 2).</summary>
    public int SettlementDays { get; set; } = 2;
    /// <summary>How often the reminder looks for days to settle (at least a minute).</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromHours(1);
    /// <summary>The most days one run settles; the rest come next run.</summary>
    public int MaxDaysPerRun { get; set; } = 31;
    /// <summary>The first day settled on a new system (none earlier); default: SettlementDays + 1 days before the first run.</summary>
    public DateOnly? FirstDay { get; set; }

    public void Validate()
    {
        if (SettlementDays is < 0 or > 30) throw new ArgumentException("Vbi:CardSettlement:SettlementDays is 0 to 30");
        if (CheckPeriod < TimeSpan.FromMinutes(1)) throw new ArgumentException("Vbi:CardSettlement:CheckPeriod is at least one minute");
        if (MaxDaysPerRun is < 1 or > 366) throw new ArgumentException("Vbi:CardSettlement:MaxDaysPerRun is 1 to 366");
    }
}

[GenerateSerializer]
public sealed class CardSettlementState
{
    /// <summary>The last day settled; null before the first run.</summary>
    [Id(0)] public DateOnly? LastSettled { get; set; }
}

/// <summary>
/// Card settlement (<see cref="ICardSettlementGrain"/>). The amount of day D is the card-clearing balance of the entries
/// dated before the end of D (captures, less refunds paid to cards and chargebacks, less what earlier days settled), so
/// the day's entry is a function of the ledger as of that cut-off: posted again (a crash before the state write) it is
/// the same entry, which the ledger keeps once. Entries are dated when they happen and settlement waits
/// <see cref="CardSettlementOptions.SettlementDays"/>, so nothing dated before a cut-off arrives after its day settled.
/// </summary>
public sealed class CardSettlementGrain(
    [PersistentState(stateName: "cardSettlement", storageName: StorageNames.Commerce)] IPersistentState<CardSettlementState> state,
    ILedgerStore ledger,
    IOptions<CardSettlementOptions> options,
    TimeProvider clock,
    ILogger<CardSettlementGrain> logger) : Grain, ICardSettlementGrain, IRemindable
{
    private const string ReminderName = "card-settlement";

    private CardSettlementOptions Options => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        await this.RegisterOrUpdateReminder(ReminderName, Options.CheckPeriod, Options.CheckPeriod);

    public Task Schedule() => Task.CompletedTask;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        try
        {
            await Settle(LatestSettleable());
        }
        catch (Exception e)
        {
            logger.LogError("Card settlement failed; its next tick retries: {Error}", e.Message);
        }
    }

    public async Task<CardSettlementRun> Settle(DateOnly through)
    {
        if (through > LatestSettleable())
            return new CardSettlementRun(ErrorCode.CardSettlementDayTooRecent, $"{through:yyyy-MM-dd} is paid out by the processor {Options.SettlementDays} days after it ends; the latest day to settle is {LatestSettleable():yyyy-MM-dd}", []);
        var day = state.State.LastSettled?.AddDays(1) ?? Options.FirstDay ?? LatestSettleable();
        var days = new List<CardSettlementDay>();
        for (; day <= through && days.Count < Options.MaxDaysPerRun; day = day.AddDays(1))
        {
            var cutOff = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var amount = await ledger.BalanceBeforeAsync(LedgerAccounts.CardClearing, cutOff);
            var id = $"card-settled:{day:yyyy-MM-dd}";
            var posted = false;
            if (amount != 0)
            {
                var paidOut = Math.Abs(amount);
                var result = await GrainFactory.GetGrain<ILedgerGrain>(0).Post(new LedgerEntry(id, "card-settlement", cutOff.AddTicks(-1), null, null, null,
                    amount > 0 ? $"Card clearing of {day:yyyy-MM-dd} paid out by the processor" : $"Card refunds and chargebacks of {day:yyyy-MM-dd} taken from our account by the processor",
                    amount > 0 ? [Posting.Debit(LedgerAccounts.Cash, paidOut), Posting.Credit(LedgerAccounts.CardClearing, paidOut)]
                        : [Posting.Debit(LedgerAccounts.CardClearing, paidOut), Posting.Credit(LedgerAccounts.Cash, paidOut)]));
                if (!result.IsSuccess)
                {
                    logger.LogError(LedgerEvents.EntryConflict, "Card settlement of {Date} was not posted: {Status} {Message}", day, result.Status, result.Message);
                    return new CardSettlementRun(ErrorCode.CardSettlementNotPosted, $"card-settled:{day:yyyy-MM-dd}: {result.Message}", days);
                }
                posted = result.Status == LedgerPostStatus.Posted;
            }
            state.State.LastSettled = day;
            await state.WriteStateAsync();
            days.Add(new CardSettlementDay(day, id, amount, posted));
        }
        if (days.Count > 0) logger.LogInformation("Card settlement: {Days} days through {Through}, {Amount} mills to cash", days.Count, days[^1].Date, days.Sum(d => d.AmountMills));
        return new CardSettlementRun(ErrorCode.None, null, days);
    }

    private DateOnly LatestSettleable() => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-Options.SettlementDays - 1);
}
