using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.ProviderFiles.Nacha;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Commerce.Ach;

/// <summary>
/// ACH origination (docs/commerce.md, "ACH debits and the NACHA files"): the debits queued by purchases, the daily
/// NACHA file, settlement and returns. One activation (key 0) orders all of it; the rows in the commerce database
/// are the truth, and every step is ordered so that a crash between two of them is mended by the next run:
/// <list type="bullet">
/// <item>a file: its row and the debits it takes are committed together first, then the bytes go to the archive,
/// then the row is marked written. A run that finds the row unwritten writes the same bytes again (the file depends
/// only on the stored debits and the options), so a debit is in exactly one file and a day has one file.</item>
/// <item>settlement: the ledger entry <c>ach-settled:{trace}</c> first (idempotent by its id), then the status.</item>
/// <item>a return: its row first (so a second one is a duplicate and settlement leaves the debit alone), then the
/// ledger entry <c>ach-return:{trace}</c>, the account lock and the purchase, each idempotent, then the status.</item>
/// </list>
/// </summary>
public sealed class AchOriginationGrain(
    IAchStore store,
    IArchiveStore archive,
    IOptions<AchOptions> options,
    TimeProvider clock,
    IServiceProvider services,
    ILogger<AchOriginationGrain> logger) : Grain, IAchOriginationGrain, IRemindable
{
    private const string ReminderName = "ach-job";
    private const string ReturnsPrefix = "ach/returns/";
    private const string By = "ach";

    private AchOptions Options => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var period = Options.JobInterval < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : Options.JobInterval;
        await this.RegisterOrUpdateReminder(ReminderName, period, period);
    }

    public Task Schedule() => Task.CompletedTask;

    /// <summary>
    /// The job: read waiting return files, settle what is due today, and once past <see cref="AchOptions.FileTime"/>
    /// make today's file (once; later ticks find it made).
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        try
        {
            var now = clock.GetUtcNow();
            var today = DateOnly.FromDateTime(now.UtcDateTime);
            if (TimeOnly.FromDateTime(now.UtcDateTime) >= Options.FileTime)
            {
                var run = await RunDay(today);
                if (!run.IsSuccess) logger.LogError("The ACH job could not make the file of {Date}: {Reason}", today, run.Message);
            }
            else
            {
                await ReadArchivedReturnsAsync();
                await SettleAsync(today);
            }
        }
        catch (Exception e)
        {
            logger.LogError("The ACH job failed; its next tick retries: {Error}", e.Message);
        }
    }

    public async Task<AchDebitResult> QueueDebit(AchDebitRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.PurchaseId) || string.IsNullOrWhiteSpace(request.CustomerId) || string.IsNullOrWhiteSpace(request.PaymentMethodId))
            return AchDebitResult.Fail(ErrorCode.ValidationFailed, "a debit names its purchase, customer and payment method");
        if (request.AmountMills <= 0 || request.AmountMills % 10 != 0)
            return AchDebitResult.Fail(ErrorCode.AchAmountNotWholeCents, $"an ACH debit is a positive number of whole cents; {request.AmountMills} mills is not");
        if (request.AmountMills / 10 > NachaWriter.MaxEntryCents)
            return AchDebitResult.Fail(ErrorCode.AchEntryInvalid, "an ACH debit's amount fits 10 digits of cents");
        var row = await store.QueueAsync(request, Options.TracePrefix, clock.GetUtcNow());
        // The effective date is not compared: a purchase settled again on a later day asks for a later date, and the
        // first request's date stands.
        if (row.CustomerId != request.CustomerId || row.PaymentMethodId != request.PaymentMethodId || row.AmountMills != request.AmountMills || row.Direction != request.Direction)
            return AchDebitResult.Fail(ErrorCode.AchDebitConflict, $"purchase {request.PurchaseId} has a debit queued already with another customer, payment method or amount (trace {row.TraceNumber})");
        return AchDebitResult.Ok(row.ToView());
    }

    public async Task<AchDayRun> RunDay(DateOnly date)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (date > today) return Failed(ErrorCode.AchFileDateInvalid, $"{date:yyyy-MM-dd} is after today ({today:yyyy-MM-dd})");
        var returnFiles = await ReadArchivedReturnsAsync();
        var (error, file, created, held) = await MakeFileAsync(date, now);
        if (error is not null) return new AchDayRun(error.Code, error.Message, null, false, 0, returnFiles, held);
        var settled = await SettleAsync(date);
        return new AchDayRun(ErrorCode.None, null, file, created, settled, returnFiles, held);
    }

    public async Task<AchReturnsApplied> ApplyReturns(byte[] content)
    {
        if (content.Length > Options.MaxReturnFileBytes)
            return new AchReturnsApplied(ErrorCode.AchReturnFileMalformed, $"a return file is at most {Options.MaxReturnFileBytes} bytes", null, [], []);
        var parsed = NachaReturnReader.Read(content);
        if (!parsed.IsSuccess) return new AchReturnsApplied(parsed.Error.Code, parsed.Error.Message, null, [], []);
        // Archived first under a name from its digest: the same file sent twice is one object, and if this call dies
        // before the returns are applied, the job finds the file and applies them.
        var now = clock.GetUtcNow();
        var name = $"{ReturnsPrefix}{now.UtcDateTime:yyyy-MM-dd}/{Convert.ToHexStringLower(SHA256.HashData(content))[..24]}.ach";
        await PutOnceAsync(name, content);
        return await ApplyReturnFileAsync(name, parsed.Value);
    }

    public async Task<AchDebitResult> PayReturn(string customerId, string traceNumber, string cardMethodId)
    {
        var debit = await store.FindByTraceAsync(traceNumber);
        if (debit is null || debit.CustomerId != customerId || debit.Direction != AchDirection.Debit)
            return AchDebitResult.Fail(ErrorCode.AchTraceUnknown, $"the account has no ACH debit with trace number {traceNumber}");
        if (debit.Status != AchDebitStatus.Returned) return AchDebitResult.Fail(ErrorCode.AchDebitNotReturned, $"the ACH debit {traceNumber} is {debit.Status}, not returned");
        if (debit.ReturnPaidAt is not null) return AchDebitResult.Ok(debit.ToView());
        var method = await GrainFactory.GetGrain<IPaymentMethodsGrain>(customerId).Find(cardMethodId);
        if (method is not { Kind: PaymentMethodKind.Card, ProviderCustomerId: { } providerCustomer, SourceId: { } source })
            return AchDebitResult.Fail(ErrorCode.AchPaymentMethodNotCard, $"{cardMethodId} is not a card of the account");
        if (services.GetService<IPaymentProvider>() is not { } provider)
            return AchDebitResult.Fail(ErrorCode.AchReturnPaymentFailed, "no payment provider is configured on this silo");

        // The keys name the trace and the card: a retry finds the same charge; another card after a decline is a new one.
        var key = $"ach-return-paid:{traceNumber}:{cardMethodId}";
        var charge = await provider.AuthorizeAsync(new ChargeRequest(providerCustomer, source, debit.AmountMills, $"Returned ACH debit {traceNumber}",
            new Dictionary<string, string> { ["trace"] = traceNumber, ["purchase"] = debit.PurchaseId }), key + ":authorize", CancellationToken.None);
        if (!charge.IsSuccess)
            return AchDebitResult.Fail(ErrorCode.AchReturnPaymentFailed, $"the card charge was not authorized ({charge.Error}{(charge.DeclineCode is { } d ? ", " + d : "")}); the account stays locked");
        if (charge.Value!.Status != ChargeStatus.Captured)
        {
            var captured = await provider.CaptureAsync(charge.Value.Id, key + ":capture", CancellationToken.None);
            if (!captured.IsSuccess && captured.Error != PaymentError.WrongChargeState)
                return AchDebitResult.Fail(ErrorCode.AchReturnPaymentFailed, $"the card charge was not captured ({captured.Error}); paying again retries it");
        }
        var now = clock.GetUtcNow();
        // Watched for disputes like every card charge we capture.
        if (services.GetService<Cards.ICardChargeStore>() is { } cardCharges)
            await cardCharges.RecordCaptureAsync(new Cards.CardChargeRow(charge.Value.Id, customerId, Cards.CardChargePurposes.AchReturn, traceNumber, debit.AmountMills, now));
        var posted = await Ledger.Post(new LedgerEntry($"ach-return-paid:{traceNumber}", "ach-return-paid", now, customerId, null, debit.PurchaseId,
            $"Returned ACH debit {traceNumber} paid by card (charge {charge.Value.Id})",
            [Posting.Debit(LedgerAccounts.CardClearing, debit.AmountMills), Posting.Credit(LedgerAccounts.AchReturnsReceivable(customerId), debit.AmountMills)]));
        if (!posted.IsSuccess)
        {
            logger.LogError("The payment of returned ACH debit {Trace} (charge {Charge}) was not booked: the ledger refused ach-return-paid ({Status}: {Message})",
                traceNumber, charge.Value.Id, posted.Status, posted.Message);
            return AchDebitResult.Fail(ErrorCode.AchReturnPaymentFailed, "the payment was captured but could not be booked; paying again books it without charging again");
        }
        await GrainFactory.GetGrain<ICommerceAccountGrain>(customerId).Unlock(AccountLockReason.AchReturned, traceNumber, customerId);
        if (IsInvoice(debit)) await GrainFactory.GetGrain<IInvoiceGrain>(debit.PurchaseId).AchReturnPaid(traceNumber, charge.Value.Id);
        await store.MarkReturnPaidAsync(traceNumber, charge.Value.Id, now);
        logger.LogInformation("Returned ACH debit {Trace} of customer {Customer} paid by card (charge {Charge}); its lock is lifted", traceNumber, customerId, charge.Value.Id);
        return AchDebitResult.Ok((await store.FindByTraceAsync(traceNumber))!.ToView());
    }

    public async Task<IReadOnlyList<AchFileView>> Files(DateOnly? date, int limit)
    {
        var views = new List<AchFileView>();
        foreach (var file in await store.FilesAsync(date, Math.Clamp(limit, 1, 1000)))
            views.Add(await ViewOf(file));
        return views;
    }

    public async Task<IReadOnlyList<AchDebitView>> Debits(string customerId, int limit) =>
        [.. (await store.DebitsOfCustomerAsync(customerId, Math.Clamp(limit, 1, 1000))).Select(d => d.ToView())];

    private static AchDayRun Failed(ErrorCode code, string message) => new(code, message, null, false, 0, [], []);

    private static string FileIdOf(DateOnly date) => $"ach-{date:yyyyMMdd}";

    private static string ArchiveNameOf(DateOnly date) => $"ach/outgoing/{date:yyyy-MM-dd}/{FileIdOf(date)}.ach";

    /// <summary>The effective date of a debit in the file of <paramref name="fileDate"/>: its own, or the next business day if that is later.</summary>
    private static DateOnly EffectiveDateOf(AchDebitRow debit, DateOnly fileDate)
    {
        var earliest = AchCalendar.NextBusinessDay(fileDate);
        return debit.EffectiveDate > earliest ? AchCalendar.AddBusinessDays(debit.EffectiveDate, 0) : earliest;
    }

    private async Task<(DomainError? Error, AchFileView? File, bool Created, IReadOnlyList<string> Held)> MakeFileAsync(DateOnly date, DateTimeOffset now)
    {
        if (await store.FindFileAsync(date) is { } existing)
        {
            var finished = await FinishAsync(existing);
            return finished is null ? (null, await ViewOf(existing), false, []) : (finished, null, false, []);
        }

        // Everything queued before the end of the day (or before now, for today) and not yet in a file.
        var endOfDay = new DateTimeOffset(date.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var candidates = await store.QueuedBeforeAsync(now < endOfDay ? now : endOfDay, Options.MaxEntriesPerFile);
        var held = new List<string>();
        var taken = new List<(AchDebitRow Debit, NachaEntry Entry)>();
        foreach (var debit in candidates)
        {
            var (entry, why) = await EntryOfAsync(debit);
            if (entry is null)
            {
                held.Add($"{debit.TraceNumber}: {why}");
                logger.LogWarning("ACH debit {Trace} of purchase {Purchase} is held out of the file of {Date}: {Reason}", debit.TraceNumber, debit.PurchaseId, date, why);
                continue;
            }
            taken.Add((debit, entry));
        }

        var fileId = FileIdOf(date);
        NachaFile? nacha = null;
        if (taken.Count > 0)
        {
            var written = NachaWriter.Write(SpecOf(date, taken));
            if (!written.IsSuccess) return (written.Error, null, false, held);
            nacha = written.Value;
        }
        var row = new AchFileRow(fileId, date, nacha is null ? null : ArchiveNameOf(date), taken.Count, taken.Sum(t => t.Debit.AmountMills),
            nacha?.Totals.EntryHash ?? 0, nacha?.Totals.BlockCount ?? 0, nacha is null ? null : Convert.ToHexStringLower(SHA256.HashData(nacha.Content)),
            now, Written: nacha is null);
        var settleOn = taken.Select(t => (t.Debit.PurchaseId, AchCalendar.AddBusinessDays(EffectiveDateOf(t.Debit, date), Options.SettlementBusinessDays))).ToList();
        if (!await store.CreateFileAsync(row, settleOn))
        {
            // Another run made the day's file in between (or took one of these debits): answer that one.
            return await store.FindFileAsync(date) is { } other ? (await FinishAsync(other), await ViewOf(other), false, held)
                : (new DomainError(ErrorCode.AchEntryInvalid, "the day's file could not be recorded: a debit changed while it was made; run the day again"), null, false, held);
        }
        if (nacha is not null)
        {
            await PutOnceAsync(row.ArchiveName!, nacha.Content);
            await store.MarkFileWrittenAsync(fileId);
            logger.LogInformation("ACH file {File} of {Date}: {Entries} debits, {Total} mills, entry hash {Hash}, archived as {Name}",
                fileId, date, taken.Count, row.TotalMills, row.EntryHash, row.ArchiveName);
        }
        return (null, await ViewOf(row with { Written = true }), true, held);
    }

    /// <summary>Writes an unwritten file's bytes again from its debits; they must be the bytes recorded when it was made.</summary>
    private async Task<DomainError?> FinishAsync(AchFileRow file)
    {
        if (file.Written || file.ArchiveName is null) return null;
        var debits = await store.DebitsInFileAsync(file.FileId);
        var taken = new List<(AchDebitRow, NachaEntry)>();
        foreach (var debit in debits)
        {
            var (entry, why) = await EntryOfAsync(debit);
            if (entry is null) return new DomainError(ErrorCode.AchBankAccountUnavailable, $"the file {file.FileId} cannot be written again: debit {debit.TraceNumber}: {why}");
            taken.Add((debit, entry));
        }
        var written = NachaWriter.Write(SpecOf(file.Date, taken));
        if (!written.IsSuccess) return written.Error;
        if (Convert.ToHexStringLower(SHA256.HashData(written.Value.Content)) != file.Sha256)
            return new DomainError(ErrorCode.AchEntryInvalid, $"the file {file.FileId} written again differs from the one recorded (a bank account or the Vbi:Ach options changed); an operator must decide");
        await PutOnceAsync(file.ArchiveName, written.Value.Content);
        await store.MarkFileWrittenAsync(file.FileId);
        return null;
    }

    private NachaFileSpec SpecOf(DateOnly date, IReadOnlyList<(AchDebitRow Debit, NachaEntry Entry)> taken) => new(
        Options.Originator, date, Options.FileTime, 'A',
        [.. taken.GroupBy(t => (Date: EffectiveDateOf(t.Debit, date), t.Debit.Direction)).OrderBy(g => g.Key.Date).ThenBy(g => g.Key.Direction)
            .Select(g => new NachaBatch(g.Key.Direction, "PPD", g.Key.Direction == AchDirection.Credit ? RefundEntryDescription : Options.EntryDescription, g.Key.Date,
                [.. g.OrderBy(t => t.Entry.TraceSequence).Select(t => t.Entry)]))]);

    /// <summary>The company entry description of a credit batch: refunds of unused postage paid out.</summary>
    private const string RefundEntryDescription = "REFUND";

    /// <summary>The debit's entry with its bank account, or why it cannot have one.</summary>
    private async Task<(NachaEntry? Entry, string? Why)> EntryOfAsync(AchDebitRow debit)
    {
        var account = await GrainFactory.GetGrain<IPaymentMethodsGrain>(debit.CustomerId).RevealBankAccount(debit.PaymentMethodId);
        if (account is null) return (null, $"payment method {debit.PaymentMethodId} is not a bank account of the customer");
        if (!debit.TraceNumber.StartsWith(Options.TracePrefix, StringComparison.Ordinal))
            return (null, $"its trace number was given under another ODFI routing prefix than {Options.TracePrefix}");
        var entry = new NachaEntry(account.AccountType == BankAccountType.Savings ? AchAccountType.Savings : AchAccountType.Checking,
            account.RoutingNumber, account.AccountNumber, debit.AmountMills, debit.CustomerId, account.HolderName,
            long.Parse(debit.TraceNumber[8..], CultureInfo.InvariantCulture));
        return NachaWriter.CheckEntry(entry) is { } bad ? (null, bad.Message) : (entry, null);
    }

    private async Task PutOnceAsync(string name, byte[] content)
    {
        try
        {
            await archive.PutAsync(name, content);
        }
        catch (ArchiveConflictException)
        {
            // Written before a crash, or the same return file sent again: it must be these very bytes.
            var stored = await archive.GetAsync(name);
            if (stored is null || !stored.AsSpan().SequenceEqual(content))
                throw new InvalidOperationException($"the archive holds another object named {name}");
        }
    }

    private async Task<AchFileView> ViewOf(AchFileRow file)
    {
        var traces = file.EntryCount == 0 ? [] : (await store.DebitsInFileAsync(file.FileId)).Select(d => d.TraceNumber).ToList();
        return new AchFileView(file.FileId, file.Date, file.ArchiveName, file.EntryCount, file.TotalMills, file.EntryHash, file.BlockCount,
            file.Sha256, file.CreatedAt, traces);
    }

    /// <summary>Settles sent debits whose window ended on or before the date: ledger ach-settled (DR cash, CR ach-clearing), then the status.</summary>
    private async Task<int> SettleAsync(DateOnly asOf)
    {
        var settled = 0;
        foreach (var debit in await store.DueForSettlementAsync(asOf, Options.MaxSettlementsPerRun))
        {
            // A debit brings the money in from clearing; a credit (a refund paid out) takes it out of our account.
            var credit = debit.Direction == AchDirection.Credit;
            var posted = await Ledger.Post(new LedgerEntry($"ach-settled:{debit.TraceNumber}", "ach-settlement", clock.GetUtcNow(), debit.CustomerId, null,
                debit.PurchaseId, $"ACH {(credit ? "credit" : "debit")} {debit.TraceNumber} settled",
                credit ? [Posting.Debit(LedgerAccounts.AchClearing, debit.AmountMills), Posting.Credit(LedgerAccounts.Cash, debit.AmountMills)]
                    : [Posting.Debit(LedgerAccounts.Cash, debit.AmountMills), Posting.Credit(LedgerAccounts.AchClearing, debit.AmountMills)]));
            if (!posted.IsSuccess)
            {
                logger.LogError("ACH debit {Trace} was not settled: the ledger refused ach-settled ({Status}: {Message})", debit.TraceNumber, posted.Status, posted.Message);
                continue;
            }
            await store.MarkSettledAsync(debit.PurchaseId, clock.GetUtcNow());
            settled++;
        }
        return settled;
    }

    private ILedgerGrain Ledger => GrainFactory.GetGrain<ILedgerGrain>(0);

    /// <summary>A debit queued by an invoice (its number, <c>inv-…</c>) rather than by a purchase (<c>pur_…</c>).</summary>
    private static bool IsInvoice(AchDebitRow debit) => debit.PurchaseId.StartsWith("inv-", StringComparison.Ordinal);

    /// <summary>Reads the return files waiting in the archive (at most a bound per run), and finishes returns a crash left half applied.</summary>
    private async Task<IReadOnlyList<AchReturnsApplied>> ReadArchivedReturnsAsync()
    {
        foreach (var pending in await store.PendingReturnsAsync(Options.MaxSettlementsPerRun))
        {
            if (await store.FindByTraceAsync(pending.TraceNumber) is { } debit) await ApplyReturnEffectsAsync(debit, pending);
        }
        var results = new List<AchReturnsApplied>();
        foreach (var name in await store.UnreadReturnFilesAsync(await archive.ListAsync(ReturnsPrefix)))
        {
            if (results.Count >= Options.MaxReturnFilesPerRun) break;
            var content = await archive.GetAsync(name);
            if (content is null) continue;
            var read = content.Length > Options.MaxReturnFileBytes
                ? new DomainError(ErrorCode.AchReturnFileMalformed, $"larger than {Options.MaxReturnFileBytes} bytes")
                : NachaReturnReader.Read(content);
            if (!read.IsSuccess)
            {
                var why = read.Error.Message;
                logger.LogError("The return file {Name} in the archive cannot be read and is left unapplied: {Reason}", name, why);
                await store.MarkReturnFileReadAsync(name, 0, clock.GetUtcNow());
                results.Add(new AchReturnsApplied(ErrorCode.AchReturnFileMalformed, why, name, [], []));
                continue;
            }
            results.Add(await ApplyReturnFileAsync(name, read.Value));
        }
        return results;
    }

    private async Task<AchReturnsApplied> ApplyReturnFileAsync(string name, NachaReturnFile file)
    {
        var outcomes = new List<AchReturnOutcome>();
        foreach (var entry in file.Returns)
            outcomes.Add(await ApplyReturnAsync(name, entry));
        await store.MarkReturnFileReadAsync(name, file.Returns.Count, clock.GetUtcNow());
        logger.LogInformation("ACH return file {Name}: {Applied} applied, {Duplicates} duplicates, {Unknown} unknown traces, {Skipped} lines passed over",
            name, outcomes.Count(o => o.Outcome == AchReturnOutcomeKind.Applied), outcomes.Count(o => o.Outcome == AchReturnOutcomeKind.Duplicate),
            outcomes.Count(o => o.Outcome == AchReturnOutcomeKind.UnknownTrace), file.Skipped.Count);
        return new AchReturnsApplied(ErrorCode.None, null, name, outcomes, file.Skipped);
    }

    private async Task<AchReturnOutcome> ApplyReturnAsync(string fileName, NachaReturnEntry entry)
    {
        var debit = await store.FindByTraceAsync(entry.OriginalTrace);
        if (debit is null || debit.Status == AchDebitStatus.Queued)
        {
            logger.LogWarning("ACH return {Code} in {File} names trace {Trace}, which is none of our sent debits; nothing applied", entry.ReasonCode, fileName, entry.OriginalTrace);
            return new AchReturnOutcome(entry.OriginalTrace, entry.ReasonCode, entry.Reason?.Title, AchReturnOutcomeKind.UnknownTrace, null, null, entry.AmountCents * 10);
        }
        var (row, inserted) = await store.RecordReturnAsync(new AchReturnRow(entry.OriginalTrace, entry.ReasonCode, debit.Status == AchDebitStatus.Settled,
            fileName, clock.GetUtcNow(), Applied: false));
        // A duplicate whose first application was cut short is finished here, with the first return's code.
        if (!row.Applied) await ApplyReturnEffectsAsync(debit, row);
        var kind = inserted ? AchReturnOutcomeKind.Applied : AchReturnOutcomeKind.Duplicate;
        if (!inserted) logger.LogWarning("ACH return {Code} for trace {Trace} in {File} is a duplicate (returned {First} before); nothing applied again",
            entry.ReasonCode, entry.OriginalTrace, fileName, row.ReturnCode);
        return new AchReturnOutcome(entry.OriginalTrace, entry.ReasonCode, entry.Reason?.Title, kind, debit.PurchaseId, debit.CustomerId, debit.AmountMills);
    }

    /// <summary>
    /// A return's effects, each idempotent: ledger ach-return (DR ach-returns-receivable:c; CR ach-clearing, or cash
    /// when the debit had settled first), the account locked for this trace, the purchase reversed; then the status.
    /// </summary>
    private async Task ApplyReturnEffectsAsync(AchDebitRow debit, AchReturnRow ret)
    {
        var reason = AchReturnReasons.Find(ret.ReturnCode)?.Title ?? "unlisted return reason";
        if (debit.Direction == AchDirection.Credit)
        {
            await ApplyCreditReturnAsync(debit, ret, reason);
            return;
        }
        var posted = await Ledger.Post(new LedgerEntry($"ach-return:{debit.TraceNumber}", "ach-return", ret.ReceivedAt, debit.CustomerId, null, debit.PurchaseId,
            $"ACH debit {debit.TraceNumber} returned {ret.ReturnCode} ({reason})",
            [Posting.Debit(LedgerAccounts.AchReturnsReceivable(debit.CustomerId), debit.AmountMills),
                Posting.Credit(ret.SettledFirst ? LedgerAccounts.Cash : LedgerAccounts.AchClearing, debit.AmountMills)]));
        if (!posted.IsSuccess)
        {
            logger.LogError("The return of ACH debit {Trace} is recorded but not applied: the ledger refused ach-return ({Status}: {Message}); the next run retries",
                debit.TraceNumber, posted.Status, posted.Message);
            return;
        }
        await GrainFactory.GetGrain<ICommerceAccountGrain>(debit.CustomerId).Lock(new AccountLock(AccountLockReason.AchReturned, debit.TraceNumber,
            $"ACH debit of {debit.AmountMills} mills for purchase {debit.PurchaseId} returned {ret.ReturnCode} ({reason})", By, ret.ReceivedAt));
        await ReversePurchaseAsync(debit, ret);
        await store.MarkReturnAppliedAsync(debit.TraceNumber, ret.ReturnCode, clock.GetUtcNow());
        logger.LogInformation("ACH debit {Trace} of purchase {Purchase} returned {Code} ({Reason}): reversed in the ledger, customer {Customer} locked until paid",
            debit.TraceNumber, debit.PurchaseId, ret.ReturnCode, reason, debit.CustomerId);
    }

    /// <summary>
    /// A refund paid out by ACH credit came back (the account closed, …): the money is ours again and the refund is
    /// payable again, [ach-return:{trace}] DR ach-clearing (cash when the credit had settled first), CR refunds-payable:c.
    /// No lock: the customer owes nothing. An operator pays it another way (an alert).
    /// </summary>
    private async Task ApplyCreditReturnAsync(AchDebitRow credit, AchReturnRow ret, string reason)
    {
        var posted = await Ledger.Post(new LedgerEntry($"ach-return:{credit.TraceNumber}", "ach-return", ret.ReceivedAt, credit.CustomerId, null, credit.PurchaseId,
            $"ACH credit {credit.TraceNumber} ({credit.PurchaseId}) returned {ret.ReturnCode} ({reason}): the refund is payable again",
            [Posting.Debit(ret.SettledFirst ? LedgerAccounts.Cash : LedgerAccounts.AchClearing, credit.AmountMills),
                Posting.Credit(LedgerAccounts.RefundsPayable(credit.CustomerId), credit.AmountMills)]));
        if (!posted.IsSuccess)
        {
            logger.LogError("The return of ACH credit {Trace} is recorded but not applied: the ledger refused ach-return ({Status}: {Message}); the next run retries",
                credit.TraceNumber, posted.Status, posted.Message);
            return;
        }
        await store.MarkReturnAppliedAsync(credit.TraceNumber, ret.ReturnCode, clock.GetUtcNow());
        logger.LogError(Cards.RefundPayoutsGrain.PayoutStuckEvent, "ACH credit {Trace} ({Payout}) of customer {Customer} returned {Code} ({Reason}): the refund is payable again; an operator pays it another way",
            credit.TraceNumber, credit.PurchaseId, credit.CustomerId, ret.ReturnCode, reason);
    }

    /// <summary>The purchase paid by the debit is marked reversed (idempotent by the trace); the ledger and the lock are done above.</summary>
    private async Task ReversePurchaseAsync(AchDebitRow debit, AchReturnRow ret)
    {
        if (IsInvoice(debit))
        {
            // An invoice's debit (docs/commerce.md, "Collection and the lock"): the invoice is unpaid again.
            await GrainFactory.GetGrain<IInvoiceGrain>(debit.PurchaseId).AchReturned(debit.TraceNumber, ret.ReturnCode);
            return;
        }
        var reversed = await GrainFactory.GetGrain<IPurchaseGrain>(debit.PurchaseId).Reverse("ach-return", debit.TraceNumber);
        if (!reversed.IsSuccess)
            logger.LogError("ACH debit {Trace} returned {Code}: purchase {Purchase} could not be marked reversed: {Error} {Message}",
                debit.TraceNumber, ret.ReturnCode, debit.PurchaseId, reversed.Error, reversed.Message);
    }
}
