using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Domain.Plans;
using VbiOrleans.Labels.Invoices;
using VbiOrleans.Mail;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Commerce;

[GenerateSerializer]
public sealed class InvoiceState
{
    [Id(0)] public InvoiceView? Invoice { get; set; }
    /// <summary>Which idempotency key the next charge uses: it moves on only after a definite decline, never after a timeout.</summary>
    [Id(1)] public int KeyGeneration { get; set; }
}

/// <summary>One invoice: issue, credits, mail, collection with retries, lock (see <see cref="IInvoiceGrain"/>).</summary>
public sealed class InvoiceGrain(
    [PersistentState(stateName: "invoice", storageName: StorageNames.Commerce)] IPersistentState<InvoiceState> state,
    IPaymentProvider payments,
    Cards.ICardChargeStore cardCharges,
    IMailSender mail,
    Log.Export.IExportDayIndex exportIndex,
    IOptions<InvoiceOptions> options,
    TimeProvider clock,
    ILogger<InvoiceGrain> logger) : Grain, IInvoiceGrain
{
    private string Number => this.GetPrimaryKeyString();

    private InvoiceView? Invoice
    {
        get => state.State.Invoice;
        set => state.State.Invoice = value;
    }

    private IGrainTimer? _retry;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Invoice is { Status: InvoiceStatus.Open }) ScheduleRetry();
        return Task.CompletedTask;
    }

    public Task<InvoiceView?> Get() => Task.FromResult(Invoice);

    public async Task<InvoiceView?> Issue(string customerId, string month)
    {
        if (Invoice is null)
        {
            if (!BillingMonth.TryParse(month, out var m) || InvoiceDocument.NumberOf(m, customerId) != Number)
                throw new ArgumentException($"invoice {Number} is not the invoice of {customerId} for {month}");
            if (await BuildAsync(customerId, m) is not { } document) return null;
            Invoice = new InvoiceView(Number, customerId, month, clock.GetUtcNow(),
                [.. document.Lines.Select(l => new InvoiceLineView(KindName(l.Kind), l.Description, l.Quantity, l.UnitMills, l.AmountMills))],
                document.SubtotalMills, document.CreditAppliedMills, document.TotalMills, InvoiceStatus.Open, 0, null, null, null, null, null, null);
            await WriteAsync();
            await GrainFactory.GetGrain<ICustomerPlanGrain>(customerId).AddInvoice(Number);
        }
        await ApplyCreditAsync();
        await MailOnceAsync();
        if (Invoice!.Status == InvoiceStatus.Open && (Invoice.NextAttemptAt is null || Invoice.NextAttemptAt <= clock.GetUtcNow())) await CollectAsync();
        return Invoice;
    }

    public async Task<InvoiceView?> Resume()
    {
        if (Invoice is null) return null;
        await MailOnceAsync();
        if (Invoice.Status != InvoiceStatus.Open) return Invoice;
        if (Invoice.NextAttemptAt is null || Invoice.NextAttemptAt <= clock.GetUtcNow()) await CollectAsync();
        else ScheduleRetry(); // woken early: wait for the attempt's time
        return Invoice;
    }

    public async Task<InvoiceView?> AchReturned(string traceNumber, string returnCode)
    {
        if (Invoice is not { } invoice || invoice.AchTraceNumber != traceNumber || invoice.Status != InvoiceStatus.Paid) return Invoice;
        Invoice = invoice with { Status = InvoiceStatus.Unpaid, LastFailure = $"AchReturned:{returnCode}", PaidAt = null };
        await WriteAsync();
        logger.LogWarning("Invoice {Number}: its ACH debit {Trace} was returned {Code}; unpaid until the return is paid", Number, traceNumber, returnCode);
        return Invoice;
    }

    public async Task<InvoiceView?> AchReturnPaid(string traceNumber, string chargeId)
    {
        if (Invoice is not { } invoice || invoice.AchTraceNumber != traceNumber || invoice.Status != InvoiceStatus.Unpaid) return Invoice;
        Invoice = invoice with { Status = InvoiceStatus.Paid, ChargeId = chargeId, LastFailure = null, PaidAt = clock.GetUtcNow() };
        await WriteAsync();
        return Invoice;
    }

    public async Task<byte[]?> Pdf()
    {
        if (Invoice is null) return null;
        var customer = await GrainFactory.GetGrain<ICustomerGrain>(Invoice.CustomerId).Get();
        return Render(Invoice, customer?.Email ?? Invoice.CustomerId);
    }

    /// <summary>The month's fee postings of the customer (debits of their fees receivable), and the credit they hold.</summary>
    private async Task<InvoiceDocument?> BuildAsync(string customerId, BillingMonth month)
    {
        var ledger = GrainFactory.GetGrain<ILedgerGrain>(0);
        var receivable = LedgerAccounts.FeesReceivable(customerId);
        var charges = new Dictionary<string, FeeCharge>(StringComparer.Ordinal);
        var from = month.Start;
        var o = options.Value;
        while (true)
        {
            var page = await ledger.EntriesOf(customerId, from, month.End, o.EntriesPageSize);
            var before = charges.Count;
            foreach (var entry in page)
            {
                var debit = entry.Postings.Where(p => p.Account == receivable).Sum(p => p.DebitMills);
                if (debit > 0) charges.TryAdd(entry.Id, new FeeCharge(entry.Id, KindOf(entry.Kind), entry.At, debit, entry.Memo));
            }
            if (charges.Count > o.MaxEntriesPerInvoice)
                throw new InvalidOperationException($"invoice {Number}: more than {o.MaxEntriesPerInvoice} fee postings (Vbi:Invoices:MaxEntriesPerInvoice)");
            if (page.Count < o.EntriesPageSize) break;
            // The next page starts at the last entry's time; entries at that same instant come again and are skipped by id.
            var last = page[^1].At;
            if (last == from && charges.Count == before)
                throw new InvalidOperationException($"invoice {Number}: more than {o.EntriesPageSize} entries at one instant (Vbi:Invoices:EntriesPageSize)");
            from = last;
        }
        if (charges.Count == 0) return null;
        var credit = -await ledger.Balance(LedgerAccounts.CustomerCredit(customerId));
        return InvoiceDocument.Build(Number, customerId, month, [.. charges.Values], credit);
    }

    private async Task ApplyCreditAsync()
    {
        if (Invoice is not { CreditAppliedMills: > 0 } invoice) return;
        var c = invoice.CustomerId;
        await PostAsync(new LedgerEntry($"credit-applied:{Number}", FeeKinds.CreditApplied, invoice.IssuedAt, c, null, Number, $"Credit applied on invoice {Number}",
            [Posting.Debit(LedgerAccounts.CustomerCredit(c), invoice.CreditAppliedMills), Posting.Credit(LedgerAccounts.FeesReceivable(c), invoice.CreditAppliedMills)]));
    }

    /// <summary>
    /// E-mails the invoice with its PDF, once: the time it was sent is stored, and nothing sends it again. A crash
    /// between the send and that write sends it again, with the same Message-Id, so a mail reader shows one message.
    /// </summary>
    private async Task MailOnceAsync()
    {
        var invoice = Invoice!;
        if (invoice.MailedAt is not null) return;
        var customer = await GrainFactory.GetGrain<ICustomerGrain>(invoice.CustomerId).Get();
        if (customer is null) return;
        var pdf = Render(invoice, customer.Email);
        var body = string.Join('\n',
            [$"Invoice {Number} for {invoice.Month}", "",
             .. invoice.Lines.Select(l => $"{l.Description}: {l.Quantity} x {InvoiceRenderer.Money(l.UnitMills)} = {InvoiceRenderer.Money(l.AmountMills)}"),
             "", $"Subtotal: {InvoiceRenderer.Money(invoice.SubtotalMills)}", $"Credits applied: {InvoiceRenderer.Money(invoice.CreditAppliedMills)}",
             $"Total due: {InvoiceRenderer.Money(invoice.TotalMills)}", "", "It is collected from your default payment method. The invoice is attached as a PDF."]);
        var message = new MailMessage(customer.Email, $"Invoice {Number} for {invoice.Month}: {InvoiceRenderer.Money(invoice.TotalMills)}", body,
            [new MailAttachment($"{Number}.pdf", "application/pdf", pdf)], $"{Number}@invoices.vbiorleans");
        var result = await mail.SendAsync(message, CancellationToken.None);
        if (!result.IsSuccess)
        {
            // Left unmailed: the next Resume (the run's reminder) tries again.
            logger.LogWarning("Invoice {Number}: mail to the customer failed ({Error})", Number, result.Error);
            return;
        }
        Invoice = Invoice! with { MailedTo = customer.Email, MailedAt = clock.GetUtcNow() };
        await WriteAsync();
    }

    /// <summary>
    /// One collection attempt. A card is authorized and captured with the key <c>invoice:{number}</c> (then
    /// <c>invoice:{number}:{n}</c> after the n-th definite decline, since a provider answers a key with its first
    /// answer); a transient failure keeps the key, so a charge whose answer was lost is never made twice.
    /// </summary>
    private async Task CollectAsync()
    {
        var invoice = Invoice!;
        var c = invoice.CustomerId;
        if (invoice.TotalMills == 0)
        {
            await PaidAsync(null);
            return;
        }
        string failure;
        var method = await GrainFactory.GetGrain<IPaymentMethodsGrain>(c).Default();
        if (method is null) failure = nameof(ErrorCode.NoPaymentMethod);
        else if (method.Kind == PaymentMethodKind.BankAccount)
        {
            // An ACH debit in the day's file, queued once by the invoice number (the same number again answers the
            // same debit). Paid once queued, as a PVD is: the money waits in ACH clearing, and a return reopens it.
            var queued = await GrainFactory.GetGrain<IAchOriginationGrain>(0).QueueDebit(new AchDebitRequest(Number, c, method.Id, invoice.TotalMills,
                DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)));
            if (queued.IsSuccess)
            {
                await PaidAsync(null, queued.Debit!.TraceNumber);
                return;
            }
            failure = queued.Error.ToString();
        }
        else if (method is not { ProviderCustomerId: not null, SourceId: not null }) failure = nameof(ErrorCode.PaymentMethodNotFound);
        else
        {
            var key = state.State.KeyGeneration == 0 ? $"invoice:{Number}" : string.Create(CultureInfo.InvariantCulture, $"invoice:{Number}:{state.State.KeyGeneration}");
            var request = new ChargeRequest(method.ProviderCustomerId, method.SourceId, invoice.TotalMills, $"Invoice {Number}",
                new Dictionary<string, string> { ["invoice"] = Number, ["customer"] = c });
            var charge = await payments.AuthorizeAsync(request, key, CancellationToken.None);
            if (charge.IsSuccess && charge.Value!.Status != ChargeStatus.Captured)
                charge = await payments.CaptureAsync(charge.Value.Id, key + ":capture", CancellationToken.None);
            if (charge.IsSuccess)
            {
                await cardCharges.RecordCaptureAsync(new Cards.CardChargeRow(charge.Value!.Id, c, Cards.CardChargePurposes.Invoice, Number, invoice.TotalMills,
                    clock.GetUtcNow()));
                await PaidAsync(charge.Value!.Id);
                return;
            }
            if (!charge.IsTransient) state.State.KeyGeneration++;
            failure = charge.Error.ToString();
        }
        await FailedAsync(failure);
    }

    private async Task PaidAsync(string? chargeId, string? achTrace = null)
    {
        var invoice = Invoice!;
        if (invoice.TotalMills > 0)
        {
            var c = invoice.CustomerId;
            var clearing = achTrace is null ? LedgerAccounts.CardClearing : LedgerAccounts.AchClearing;
            await PostAsync(new LedgerEntry($"invoice-paid:{Number}", FeeKinds.InvoicePaid, clock.GetUtcNow(), c, null, Number,
                achTrace is null ? $"Invoice {Number} collected by card" : $"Invoice {Number} collected by ACH debit {achTrace}",
                [Posting.Debit(clearing, invoice.TotalMills), Posting.Credit(LedgerAccounts.FeesReceivable(c), invoice.TotalMills)]));
        }
        var attempted = chargeId is not null || achTrace is not null;
        Invoice = invoice with { Status = InvoiceStatus.Paid, ChargeId = chargeId, AchTraceNumber = achTrace, LastFailure = null, PaidAt = clock.GetUtcNow(), NextAttemptAt = null,
            CollectionAttempts = invoice.CollectionAttempts + (attempted ? 1 : 0) };
        await WriteAsync();
        await GrainFactory.GetGrain<IInvoiceRunGrain>(0).Settled(Number);
    }

    private async Task FailedAsync(string failure)
    {
        var invoice = Invoice!;
        var attempts = invoice.CollectionAttempts + 1;
        var o = options.Value;
        logger.LogWarning("Invoice {Number}: collection attempt {Attempt} of {Attempts} failed ({Failure})", Number, attempts, o.CollectionAttempts, failure);
        if (attempts < o.CollectionAttempts)
        {
            Invoice = invoice with { CollectionAttempts = attempts, LastFailure = failure, NextAttemptAt = clock.GetUtcNow() + o.RetryDelay(attempts) };
            await WriteAsync();
            ScheduleRetry();
            return;
        }
        Invoice = invoice with { CollectionAttempts = attempts, LastFailure = failure, NextAttemptAt = null, Status = InvoiceStatus.Unpaid };
        await WriteAsync();
        await GrainFactory.GetGrain<ICommerceAccountGrain>(invoice.CustomerId).Lock(new AccountLock(AccountLockReason.InvoiceUnpaid, Number,
            $"invoice {Number} of {invoice.Month} ({InvoiceRenderer.Money(invoice.TotalMills)}) not collected after {attempts} attempts: {failure}", "invoices", clock.GetUtcNow()));
        await GrainFactory.GetGrain<IInvoiceRunGrain>(0).Settled(Number);
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
            await exportIndex.MarkAsync(Log.Export.ExportIndexKind.Invoice, Number, now);
            _exportMarked = DateOnly.FromDateTime(now.UtcDateTime);
        }
        await state.WriteStateAsync();
    }

    /// <summary>The next attempt on a timer while this activation lives; the run's reminder resumes it otherwise.</summary>
    private void ScheduleRetry()
    {
        _retry?.Dispose();
        if (Invoice?.NextAttemptAt is not { } at) return;
        var due = at - clock.GetUtcNow();
        _retry = this.RegisterGrainTimer(async _ => await Resume(),
            new GrainTimerCreationOptions(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task PostAsync(LedgerEntry entry)
    {
        var result = await GrainFactory.GetGrain<ILedgerGrain>(0).Post(entry);
        if (!result.IsSuccess) throw new InvalidOperationException($"ledger entry {entry.Id} refused: {result.Status}");
    }

    public static byte[] Render(InvoiceView invoice, string billTo)
    {
        var note = invoice.Status switch
        {
            InvoiceStatus.Paid => $"Paid{(invoice.PaidAt is { } at ? " on " + at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "")}. Thank you.",
            InvoiceStatus.Unpaid => "Not collected: new postage purchases are locked until this invoice is paid.",
            _ => "Collected from your default payment method.",
        };
        return InvoiceRenderer.Render(new InvoicePdfContent(invoice.Number, invoice.Month, DateOnly.FromDateTime(invoice.IssuedAt.UtcDateTime), billTo,
            [.. invoice.Lines.Select(l => new InvoicePdfLine(l.Description, l.Quantity, l.UnitMills, l.AmountMills))],
            invoice.SubtotalMills, invoice.CreditAppliedMills, invoice.TotalMills, note));
    }

    private static FeeKind KindOf(string kind) => kind switch
    {
        FeeKinds.PlanFee => FeeKind.PlanFee,
        FeeKinds.LabelFee => FeeKind.LabelFee,
        _ => FeeKind.Other,
    };

    public static string KindName(FeeKind kind) => kind switch
    {
        FeeKind.PlanFee => "plan-fee",
        FeeKind.LabelFee => "label-fee",
        _ => "other",
    };
}
