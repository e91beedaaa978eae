using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Customers;

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

    public async Task<ScanFormResult> Create(ScanFormDraft draft, IReadOnlyList<ScanFormPackageRecord> candidates, bool selection, int maxPackages)
    {
        if (ByKey(draft.IdempotencyKey, draft.RequestFingerprint) is { } earlier) return earlier;
        Prune();
        var index = OnForm;
        if (selection && candidates.FirstOrDefault(c => index.ContainsKey(c.IndiciumId)) is { } taken)
            return ScanFormResult.Fail(ErrorCode.PackageAlreadyManifested,
                $"tracking number {taken.TrackingNumber} is on SCAN form {index[taken.IndiciumId]} already; a package is on one form", taken.TrackingNumber);
        var packages = candidates.Where(c => !index.ContainsKey(c.IndiciumId)).DistinctBy(c => c.IndiciumId).Take(maxPackages).ToList();
        if (packages.Count == 0)
            return ScanFormResult.Fail(ErrorCode.NothingToManifest,
                $"no print of {draft.DateOfMailing:yyyy-MM-dd} is left to list: each is refunded or on a SCAN form already");
        if (forms.State.Forms.Count(f => f.DateOfMailing == draft.DateOfMailing) >= IScanFormGrain.MaxFormsPerDay)
            return ScanFormResult.Fail(ErrorCode.ScanFormLimitReached,
                $"the account has {IScanFormGrain.MaxFormsPerDay} SCAN forms for {draft.DateOfMailing:yyyy-MM-dd}, as many as one day allows");

        var form = new ScanFormRecord(draft.FormNumber, draft.DateOfMailing, clock.GetUtcNow(), draft.MailerName, draft.MailerAddress, draft.OriginZip,
            packages, draft.IdempotencyKey, draft.RequestFingerprint);
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
        foreach (var p in packages) index[p.IndiciumId] = form.FormNumber;
        logger.LogInformation("Customer {CustomerId} made SCAN form {FormNumber} for {Date} with {Count} packages",
            this.GetPrimaryKeyString(), form.FormNumber, form.DateOfMailing, packages.Count);
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
