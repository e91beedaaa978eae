namespace VbiOrleans.Grains.Commerce;

/// <summary>Section <c>Vbi:Invoices</c>: the monthly run, the bounded collection retries, and the bounds on one invoice.</summary>
public sealed class InvoiceOptions
{
    public const string Section = "Vbi:Invoices";

    /// <summary>Collection attempts before the invoice is unpaid and the account locked.</summary>
    public int CollectionAttempts { get; set; } = 4;

    /// <summary>The wait after the first failed attempt; doubled after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromHours(6);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How long after a month ends its run starts by itself (late log records settle first).</summary>
    public TimeSpan RunAfterMonthEnd { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The run's reminder period (Orleans reminders: one minute at least).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The bound on the run's wait for the fees consumer to apply the log up to the run's start.</summary>
    public TimeSpan FeesCatchUpWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most ledger entries one invoice reads (a customer's fee postings of a month).</summary>
    public int MaxEntriesPerInvoice { get; set; } = 200_000;

    /// <summary>Ledger entries read per call while building an invoice.</summary>
    public int EntriesPageSize { get; set; } = 2_000;

    /// <summary>Customers invoiced at once by a run.</summary>
    public int RunConcurrency { get; set; } = 8;

    public TimeSpan RetryDelay(int failedAttempts)
    {
        var delay = FirstRetryDelay;
        for (int i = 1; i < failedAttempts && delay < MaxRetryDelay; i++) delay *= 2;
        return delay < MaxRetryDelay ? delay : MaxRetryDelay;
    }

    public void Validate()
    {
        if (CollectionAttempts is < 1 or > 20) throw new ArgumentException($"{Section}:CollectionAttempts must be 1 to 20");
        if (FirstRetryDelay <= TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay) throw new ArgumentException($"{Section}:FirstRetryDelay must be positive and at most MaxRetryDelay");
        if (ReminderPeriod < TimeSpan.FromMinutes(1)) throw new ArgumentException($"{Section}:ReminderPeriod must be at least one minute");
        if (FeesCatchUpWait <= TimeSpan.Zero || FeesCatchUpWait > TimeSpan.FromMinutes(10)) throw new ArgumentException($"{Section}:FeesCatchUpWait must be above 0 and at most 10 minutes");
        if (MaxEntriesPerInvoice < 1 || EntriesPageSize is < 1 or > 10_000) throw new ArgumentException($"{Section}:MaxEntriesPerInvoice and EntriesPageSize must be positive (a page at most 10,000)");
        if (RunConcurrency is < 1 or > 64) throw new ArgumentException($"{Section}:RunConcurrency must be 1 to 64");
    }
}
