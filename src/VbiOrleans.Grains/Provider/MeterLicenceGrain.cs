using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Domain.ProviderFiles.Licensing;

namespace VbiOrleans.Grains.Provider;

[GenerateSerializer]
public sealed class MeterLicenceState
{
    [Id(0)] public LicenceApplicationRecord? Application { get; set; }
    [Id(1)] public LicenceDecision Decision { get; set; }
    [Id(2)] public string? Reason { get; set; }
    [Id(3)] public DateTimeOffset? AnsweredAt { get; set; }
    [Id(4)] public string? AnswerSource { get; set; }
}

/// <summary>A meter's licence application and the postal authority's answer (see <see cref="IMeterLicenceGrain"/>).</summary>
public sealed class MeterLicenceGrain(
    [PersistentState(stateName: "meterLicence", storageName: StorageNames.Commerce)] IPersistentState<MeterLicenceState> licence,
    IOptions<ProviderOptions> options,
    TimeProvider clock,
    ILogger<MeterLicenceGrain> logger) : Grain, IMeterLicenceGrain
{
    /// <summary>What the application says where the account gave no return address: the account's name and no address.</summary>
    private static readonly ShipmentAddress NoAddress = new("", "", "", "", "", "", "", "");

    private string MeterId => this.GetPrimaryKeyString();

    public async Task<LicenceStatus> Record(DateTimeOffset licensedAt, string licensingZip)
    {
        if (licence.State.Application is not null) return View();
        // Every meter licensed through an account has its owner first (CustomerGrain.LicenseMeter); one licensed
        // otherwise (an operator's or a test's direct command) is applied for with no customer, and says so.
        var owner = await GrainFactory.GetGrain<IMeterOwnerGrain>(MeterId).Owner();
        var customer = owner is null ? null : GrainFactory.GetGrain<ICustomerGrain>(owner);
        var account = customer is null ? null : await customer.Get();
        if (account is null) logger.LogWarning("Meter {MeterId} was licensed with no customer account; its application names none", MeterId);
        var address = account?.ReturnAddress ?? NoAddress;
        if (address.Name.Length == 0) address = address with { Name = account?.Name ?? account?.Email ?? "" };
        var encrypted = "";
        if (customer is not null && await customer.TaxId() is { } taxId && options.Value.PostalAuthorityPublicKey is { Length: > 0 } pem)
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            encrypted = LicensingFile.EncryptTaxId(rsa, taxId);
        }
        licence.State.Application = new LicenceApplicationRecord(MeterId, licensedAt, licensingZip, owner ?? "", address, encrypted);
        if (options.Value.Licensing.ApproveAtOnce ?? true)
        {
            licence.State.Decision = LicenceDecision.Approved;
            licence.State.AnsweredAt = clock.GetUtcNow();
            licence.State.AnswerSource = "approved at once (Vbi:Provider:Licensing:ApproveAtOnce)";
        }
        await licence.WriteStateAsync();
        return View();
    }

    public async Task<LicenceStatus> Answer(bool approved, string reason, string source)
    {
        var decision = approved ? LicenceDecision.Approved : LicenceDecision.Rejected;
        if (licence.State.Decision == decision && licence.State.AnswerSource == source) return View();
        licence.State.Decision = decision;
        licence.State.Reason = approved ? null : reason;
        licence.State.AnsweredAt = clock.GetUtcNow();
        licence.State.AnswerSource = source;
        await licence.WriteStateAsync();
        logger.LogInformation("Meter {MeterId}: licence {Decision} by the postal authority ({Source}){Reason}", MeterId, decision, source,
            approved ? "" : ": " + reason);
        return View();
    }

    public Task<LicenceStatus> Status() => Task.FromResult(View());

    public Task<LicenceApplicationRecord?> Application() => Task.FromResult(licence.State.Application);

    private LicenceStatus View() => new(MeterId, licence.State.Decision, licence.State.Reason, licence.State.AnsweredAt, licence.State.AnswerSource,
        licence.State.Application is not null);
}
