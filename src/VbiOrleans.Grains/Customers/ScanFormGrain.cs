using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Meters;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Grains.Customers;

[GenerateSerializer]
public sealed class ScanFormState
{
    /// <summary>The forms kept, oldest first.</summary>
    [Id(0)] public List<ScanFormRecord> Forms { get; set; } = [];
}

/// <summary>A customer's SCAN forms (see <see cref="IScanFormGrain"/>).</summary>
public sealed class ScanFormGrain(
    [PersistentState(stateName: "scanForms", storageName: StorageNames.Commerce)] IPersistentState<ScanFormState> forms,
    IOptions<ScanFormOptions> options,
    TimeProvider clock,
    ILogger<ScanFormGrain> logger) : Grain, IScanFormGrain
{
    /// <summary>
    /// Indicium id to the number of the form it is on, over the forms kept. By indicium, not tracking number: a
    /// meter's tracking numbers repeat after 100,000 prints (docs/shipping.md), its indicium ids never.
    /// </summary>
    private Dictionary<string, string>? _onForm;

    private Dictionary<string, string> OnForm => _onForm ??= forms.State.Forms
        .SelectMany(f => f.Packages.Select(p => (p.IndiciumId, f.FormNumber)))
        .ToDictionary(x => x.IndiciumId, x => x.FormNumber, StringComparer.Ordinal);

    public Task<ScanFormResult?> Find(string idempotencyKey, string requestFingerprint) =>
        Task.FromResult(ByKey(idempotencyKey, requestFingerprint));

    public async Task<ScanFormResult> Create(ScanFormDraft draft)
    {
        if (ByKey(draft.IdempotencyKey, draft.RequestFingerprint) is { } earlier) return earlier;
        var customerId = this.GetPrimaryKeyString();
        if (await GrainFactory.GetGrain<ICustomerGrain>(customerId).Get() is not { } customer)
            return ScanFormResult.Fail(ErrorCode.NotFound, "no such account");
        if (draft.MeterIds?.FirstOrDefault(m => !customer.MeterIds.Contains(m)) is { } foreign)
            return ScanFormResult.Fail(ErrorCode.MeterNotFound, $"no meter {foreign} in this account") with { MeterId = foreign };

        // A print or refund answered before this request is in the history first (or FeedWait ran out).
        await HistoryCatchUp.WaitAsync(GrainFactory, options.Value.FeedWait, options.Value.FeedPollInterval, clock);
        var date = draft.DateOfMailing;
        var day = await DayAsync(draft.MeterIds ?? customer.MeterIds, date);
        Prune();
        var index = OnForm;
        List<Print> candidates;
        if (draft.TrackingNumbers is { } selection)
        {
            candidates = [];
            foreach (var number in selection)
            {
                if (!day.Prints.TryGetValue(number, out var print))
                    return ScanFormResult.Fail(ErrorCode.TrackingNumberUnknown,
                        $"tracking number {number} is not a print of {date:yyyy-MM-dd} on {(draft.MeterIds is null ? "this account's meters" : "the meters named")}", number);
                if (day.Refunded.Contains(print.Package.IndiciumId))
                    return ScanFormResult.Fail(ErrorCode.PackageRefunded, $"tracking number {number} was refunded; it is not tendered", number);
                if (index.TryGetValue(print.Package.IndiciumId, out var formNumber))
                    return ScanFormResult.Fail(ErrorCode.PackageAlreadyManifested,
                        $"tracking number {number} is on SCAN form {formNumber} already; a package is on one form", number);
                candidates.Add(print);
            }
        }
        else
        {
            candidates = [.. day.Prints.Values
                .Where(p => !day.Refunded.Contains(p.Package.IndiciumId) && !index.ContainsKey(p.Package.IndiciumId))
                .OrderBy(p => p.At).ThenBy(p => p.Package.IndiciumId, StringComparer.Ordinal)];
        }
        var packages = candidates.Take(draft.MaxPackages).ToList();
        if (packages.Count == 0)
            return ScanFormResult.Fail(ErrorCode.NothingToManifest,
                $"no print of {date:yyyy-MM-dd} with a tracking number is left to list: there is none, or each is refunded or on a SCAN form already");
        if (forms.State.Forms.Count(f => f.DateOfMailing == date) >= IScanFormGrain.MaxFormsPerDay)
            return ScanFormResult.Fail(ErrorCode.ScanFormLimitReached,
                $"the account has {IScanFormGrain.MaxFormsPerDay} SCAN forms for {date:yyyy-MM-dd}, as many as one day allows");

        // The mailer: the account's return address, or else the sender of the form's first package.
        var mailer = customer.ReturnAddress ?? packages[0].From;
        string Fit(string line) => line.Length <= draft.MaxLineLength ? line : line[..draft.MaxLineLength];
        var form = new ScanFormRecord(draft.FormNumber, date, clock.GetUtcNow(), Fit(mailer.Name), [.. PrintShipments.Lines(mailer).Skip(1).Select(Fit)],
            mailer.Zip5, [.. packages.Select(p => p.Package)], draft.IdempotencyKey, draft.RequestFingerprint);
        forms.State.Forms.Add(form);
        try
        {
            await forms.WriteStateAsync();
        }
        catch
        {
            // Not stored: the form was not made, and a retry with the same key makes it.
            forms.State.Forms.RemoveAt(forms.State.Forms.Count - 1);
            throw;
        }
        foreach (var p in form.Packages) index[p.IndiciumId] = form.FormNumber;
        logger.LogInformation("Customer {CustomerId} made SCAN form {FormNumber} for {Date} with {Count} packages",
            customerId, form.FormNumber, form.DateOfMailing, packages.Count);
        return new ScanFormResult(ErrorCode.None, null, form, null, false);
    }

    public Task<IReadOnlyList<ScanFormRecord>> List() =>
        Task.FromResult<IReadOnlyList<ScanFormRecord>>([.. Enumerable.Reverse(forms.State.Forms)]);

    public Task<ScanFormRecord?> Get(string formNumber) =>
        Task.FromResult(forms.State.Forms.Find(f => f.FormNumber == formNumber));

    private ScanFormResult? ByKey(string key, string fingerprint) =>
        forms.State.Forms.Find(f => f.IdempotencyKey == key) is not { } form ? null
        : form.RequestFingerprint == fingerprint ? new ScanFormResult(ErrorCode.None, null, form, null, true)
        : ScanFormResult.Fail(ErrorCode.IdempotencyKeyReused,
            $"the Idempotency-Key '{key}' made SCAN form {form.FormNumber} for another request; use a new key for a new request");


    private sealed record Print(DateTimeOffset At, ShipmentAddress From, ScanFormPackageRecord Package);

    private sealed record Day(Dictionary<string, Print> Prints, HashSet<string> Refunded);

    /// <summary>
    /// The day's prints with a tracking number, by tracking number, and every indicium refunded since the day began,
    /// from the meters' history pages, newest first, down to the page that starts before the day (at most
    /// <see cref="ScanFormOptions.MaxHistoryPagesPerMeter"/> pages a meter).
    /// </summary>
    private async Task<Day> DayAsync(IReadOnlyList<string> meterIds, DateOnly date)
    {
        var prints = new Dictionary<string, Print>(StringComparer.Ordinal);
        var refunded = new HashSet<string>(StringComparer.Ordinal);
        var start = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        foreach (var meterId in meterIds)
        {
            if (await GrainFactory.GetGrain<IMeterGrain>(meterId).Snapshot() is not { } snapshot) continue;
            var top = snapshot.Registers.Sequence / IMeterHistoryGrain.PageSize;
            for (var page = top; page >= 0 && top - page < options.Value.MaxHistoryPagesPerMeter; page--)
            {
                var entries = await GrainFactory.GetGrain<IMeterHistoryGrain>($"{meterId}/{page}").List();
                foreach (var e in entries)
                {
                    if (e.Kind == TransactionKinds.Refund && e.Reference is not null) refunded.Add(e.Reference);
                    if (e is { Kind: TransactionKinds.Print, TrackingNumber: { } number, Shipment: { } s, IndiciumId: { } id, MailClass: { } mailClass }
                        && DateOnly.FromDateTime(e.At.UtcDateTime) == date)
                    {
                        var zip = s.To.Zip4.Length == 0 ? s.To.Zip5 : s.To.Zip5 + s.To.Zip4;
                        prints[number] = new Print(e.At, s.From, new ScanFormPackageRecord(number, id, mailClass, s.WeightTenthsOz, zip, e.AmountMills));
                    }
                }
                if (entries.Count > 0 && entries.Min(e => e.At) < start) break;
            }
        }
        return new Day(prints, refunded);
    }

    /// <summary>Drops forms past <see cref="IScanFormGrain.RetentionDays"/>; a new form's day is never that old, so none it could overlap goes.</summary>
    private void Prune()
    {
        var oldest = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-IScanFormGrain.RetentionDays);
        if (forms.State.Forms.RemoveAll(f => f.DateOfMailing < oldest) > 0) _onForm = null;
    }
}

[GenerateSerializer]
public sealed class ScanFormSerialState
{
    [Id(0)] public long Last { get; set; }
}

/// <summary>Hands out SCAN form serials: the new last one is written before it is returned, so none is handed out twice.</summary>
public sealed class ScanFormSerialGrain(
    [PersistentState(stateName: "scanFormSerial", storageName: StorageNames.Commerce)] IPersistentState<ScanFormSerialState> serial) : Grain, IScanFormSerialGrain
{
    public async Task<long> Next()
    {
        serial.State.Last++;
        await serial.WriteStateAsync();
        return serial.State.Last;
    }
}
