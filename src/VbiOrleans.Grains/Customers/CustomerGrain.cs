using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions;
using VbiOrleans.Hsm;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Partners;
using VbiOrleans.Abstractions.Printers;

namespace VbiOrleans.Grains.Customers;

[GenerateSerializer]
public sealed class CustomerState
{
    [Id(0)] public string? Email { get; set; }
    [Id(1)] public string? Name { get; set; }
    [Id(2)] public DateTimeOffset CreatedAt { get; set; }
    [Id(3)] public byte[]? PasswordVerifier { get; set; }
    [Id(4)] public List<CustomerToken> Tokens { get; set; } = [];
    [Id(5)] public List<string> Meters { get; set; } = [];
    [Id(6)] public List<string> Partners { get; set; } = [];
    /// <summary>License requests by key: the meter each one took (the newest 50).</summary>
    [Id(7)] public List<LicenseRequest> Licenses { get; set; } = [];
    [Id(8)] public List<DateTimeOffset> FailedLogins { get; set; } = [];
    /// <summary>Calibration offsets by printer (none at 0, 0).</summary>
    [Id(20)] public List<PrinterCalibration> PrinterCalibrations { get; set; } = [];
    [Id(9)] public ShipmentAddress? ReturnAddress { get; set; }
    /// <summary>The tax id, wrapped by the HSM key <see cref="CustomerGrain.SecretsKeyLabel"/> (padded to 32 bytes first).</summary>
    [Id(10)] public byte[]? WrappedTaxId { get; set; }
}

[GenerateSerializer, Immutable]
public sealed record CustomerToken([property: Id(0)] byte[] Hash, [property: Id(1)] DateTimeOffset ExpiresAt);

[GenerateSerializer, Immutable]
public sealed record LicenseRequest([property: Id(0)] string Key, [property: Id(1)] string MeterId, [property: Id(2)] bool Licensed);

/// <summary>A customer account (see <see cref="ICustomerGrain"/>). Token hashes are compared in constant time.</summary>
public sealed class CustomerGrain(
    [PersistentState(stateName: "customer", storageName: StorageNames.Commerce)] IPersistentState<CustomerState> account,
    TimeProvider clock,
    VbiOrleans.Grains.Modules.ModuleCrypto crypto,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    /// <summary>The HSM key that wraps customers' secrets (the tax id).</summary>
    public const string SecretsKeyLabel = "vbi-customer-secrets";
    private const int WrappedLength = 32;

    /// <summary>At most this many live tokens per customer; the oldest goes first.</summary>
    public const int MaxTokens = 20;
    /// <summary>Wrong web-account passwords within <see cref="FailureWindow"/> before logins wait.</summary>
    public const int MaxFailedLogins = 10;
    public static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(15);

    private string CustomerId => this.GetPrimaryKeyString();
    private bool Exists => account.State.Email is not null;

    public async Task<CustomerResult> Create(string email, string? name, byte[] passwordVerifier)
    {
        if (Exists) return CustomerResult.Fail(ErrorCode.EmailTaken, "an account with this email exists; log in instead");
        account.State.Email = email;
        account.State.Name = name;
        account.State.CreatedAt = clock.GetUtcNow();
        account.State.PasswordVerifier = passwordVerifier;
        await account.WriteStateAsync();
        logger.LogInformation("Customer {CustomerId} signed up", CustomerId);
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public Task<LoginGate> BeginLogin()
    {
        if (!Exists) return Task.FromResult(new LoginGate(ErrorCode.WrongCredentials, null, null));
        var now = clock.GetUtcNow();
        var recent = account.State.FailedLogins.Where(t => now - t < FailureWindow).ToList();
        if (recent.Count >= MaxFailedLogins)
            return Task.FromResult(new LoginGate(ErrorCode.TooManyLoginAttempts, null, recent.Min() + FailureWindow - now));
        return Task.FromResult(new LoginGate(ErrorCode.None, account.State.PasswordVerifier, null));
    }

    public async Task RecordFailedLogin()
    {
        if (!Exists) return;
        var now = clock.GetUtcNow();
        account.State.FailedLogins.RemoveAll(t => now - t >= FailureWindow);
        account.State.FailedLogins.Add(now);
        await account.WriteStateAsync();
    }

    public async Task<CustomerResult> AddToken(byte[] tokenHash, DateTimeOffset expiresAt)
    {
        if (!Exists) return CustomerResult.Fail(ErrorCode.WrongCredentials, "no such account");
        var now = clock.GetUtcNow();
        account.State.Tokens.RemoveAll(t => t.ExpiresAt <= now);
        if (account.State.Tokens.Count >= MaxTokens) account.State.Tokens.RemoveRange(0, account.State.Tokens.Count - MaxTokens + 1);
        account.State.Tokens.Add(new CustomerToken(tokenHash, expiresAt));
        account.State.FailedLogins.Clear();
        await account.WriteStateAsync();
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public Task<CustomerView?> Authenticate(byte[] tokenHash)
    {
        var now = clock.GetUtcNow();
        var found = false;
        foreach (var token in account.State.Tokens)
        {
            // Every token is compared, so the time taken does not tell which one matched.
            found |= CryptographicOperations.FixedTimeEquals(token.Hash, tokenHash) && token.ExpiresAt > now;
        }
        return Task.FromResult(found && Exists ? View() : null);
    }

    public async Task RevokeToken(byte[] tokenHash)
    {
        if (account.State.Tokens.RemoveAll(t => CryptographicOperations.FixedTimeEquals(t.Hash, tokenHash)) > 0) await account.WriteStateAsync();
    }

    public Task<CustomerView?> Get() => Task.FromResult(Exists ? View() : null);

    public async Task<LicenseResult> LicenseMeter(string zip, string requestKey)
    {
        if (!Exists) return new LicenseResult(ErrorCode.NotFound, "no such account", null);
        var request = account.State.Licenses.Find(l => l.Key == requestKey);
        if (request is { Licensed: true }) return new LicenseResult(ErrorCode.None, null, request.MeterId);
        if (request is null)
        {
            // The meter is reserved for this request durably before it is licensed, so a retry takes no second meter.
            request = new LicenseRequest(requestKey, await GrainFactory.GetGrain<IMeterPoolGrain>(0).Take(), false);
            account.State.Licenses.Add(request);
            if (account.State.Licenses.Count > 50) account.State.Licenses.RemoveAt(0);
            await account.WriteStateAsync();
        }
        // The owner first: every transaction of the meter then finds its customer downstream (the partners to tell).
        var owner = await GrainFactory.GetGrain<IMeterOwnerGrain>(request.MeterId).Claim(CustomerId);
        if (owner != CustomerId)
        {
            logger.LogError("Meter {MeterId} from the pool is owned by customer {Owner} already; customer {CustomerId} did not get it", request.MeterId, owner, CustomerId);
            return new LicenseResult(ErrorCode.Internal, $"meter {request.MeterId} could not be licensed; retry with a new request key", null);
        }
        var result = await GrainFactory.GetGrain<IMeterGrain>(request.MeterId).Execute("license-" + requestKey, new LicenseCommand(zip));
        if (!result.IsSuccess) return new LicenseResult(result.Error, result.Message, null);
        account.State.Licenses[account.State.Licenses.IndexOf(request)] = request with { Licensed = true };
        if (!account.State.Meters.Contains(request.MeterId)) account.State.Meters.Add(request.MeterId);
        await account.WriteStateAsync();
        logger.LogInformation("Customer {CustomerId} licensed meter {MeterId} at ZIP {Zip}", CustomerId, request.MeterId, zip);
        return new LicenseResult(ErrorCode.None, null, request.MeterId);
    }

    public async Task<CustomerResult> LinkPartner(string partnerId)
    {
        if (!Exists) return CustomerResult.Fail(ErrorCode.NotFound, "no such account");
        var partner = GrainFactory.GetGrain<IPartnerGrain>(IPartnerGrain.Key(partnerId));
        if (await partner.Get() is null) return CustomerResult.Fail(ErrorCode.PartnerNotFound, $"partner {partnerId} does not exist");
        if (!account.State.Partners.Contains(partnerId))
        {
            account.State.Partners.Add(partnerId);
            await account.WriteStateAsync();
        }
        await partner.LinkCustomer(CustomerId);
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public async Task<CustomerResult> UnlinkPartner(string partnerId)
    {
        if (!Exists) return CustomerResult.Fail(ErrorCode.NotFound, "no such account");
        if (account.State.Partners.Remove(partnerId)) await account.WriteStateAsync();
        await GrainFactory.GetGrain<IPartnerGrain>(IPartnerGrain.Key(partnerId)).UnlinkCustomer(CustomerId);
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public async Task<CustomerResult> SetPrinterCalibration(PrinterCalibration calibration)
    {
        if (!Exists) return CustomerResult.Fail(ErrorCode.NotFound, "no such account");
        var kept = account.State.PrinterCalibrations;
        var at = kept.FindIndex(c => c.PrinterId == calibration.PrinterId);
        if (calibration is { XMils: 0, YMils: 0 })
        {
            if (at < 0) return new CustomerResult(ErrorCode.None, null, View());
            kept.RemoveAt(at);
        }
        else if (at >= 0)
        {
            kept[at] = calibration;
        }
        else if (kept.Count >= ICustomerGrain.MaxPrinterCalibrations)
        {
            return CustomerResult.Fail(ErrorCode.TooManyPrinterCalibrations,
                $"the account keeps offsets for {ICustomerGrain.MaxPrinterCalibrations} printers; set one to 0, 0 to drop it");
        }
        else
        {
            kept.Add(calibration);
        }
        await account.WriteStateAsync();
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public async Task<CustomerResult> SetReturnAddress(ShipmentAddress? address)
    {
        if (!Exists) return CustomerResult.Fail(ErrorCode.NotFound, "no such account");
        if (account.State.ReturnAddress != address)
        {
            account.State.ReturnAddress = address;
            await account.WriteStateAsync();
        }
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public async Task<CustomerResult> SetTaxId(string? taxId)
    {
        if (!Exists) return CustomerResult.Fail(ErrorCode.NotFound, "no such account");
        if (taxId is null)
        {
            account.State.WrappedTaxId = null;
        }
        else
        {
            if (taxId.Length != 9 || !taxId.All(char.IsAsciiDigit)) return CustomerResult.Fail(ErrorCode.InvalidTaxId, "a tax id is 9 digits");
            // Padded to a fixed length: the wrapped blob does not tell an EIN from an SSN, and every HSM wraps 32 bytes.
            var padded = new byte[WrappedLength];
            padded[0] = (byte)taxId.Length;
            System.Text.Encoding.ASCII.GetBytes(taxId, padded.AsSpan(1));
            account.State.WrappedTaxId = await crypto.Hsm.WrapAsync(await SecretsKeyAsync(), padded);
            CryptographicOperations.ZeroMemory(padded);
        }
        await account.WriteStateAsync();
        return new CustomerResult(ErrorCode.None, null, View());
    }

    public async Task<string?> TaxId()
    {
        if (account.State.WrappedTaxId is not { } wrapped) return null;
        var padded = await crypto.Hsm.UnwrapAsync(await SecretsKeyAsync(), wrapped);
        var taxId = System.Text.Encoding.ASCII.GetString(padded, 1, padded[0]);
        CryptographicOperations.ZeroMemory(padded);
        return taxId;
    }

    private Task<HsmKey> SecretsKeyAsync() => crypto.Hsm.FindOrCreateAsync(SecretsKeyLabel, HsmKeyKind.Aes256Wrapping);

    private CustomerView View() => new(CustomerId, account.State.Email!, account.State.Name, account.State.CreatedAt,
        [.. account.State.Meters], [.. account.State.Partners])
    {
        PrinterCalibrations = [.. account.State.PrinterCalibrations], ReturnAddress = account.State.ReturnAddress, HasTaxId = account.State.WrappedTaxId is not null,
    };
}

/// <summary>The email index: the first customer to claim an address holds it.</summary>
public sealed class CustomerEmailGrain(
    [PersistentState(stateName: "customerEmail", storageName: StorageNames.Commerce)] IPersistentState<CustomerEmailState> index) : Grain, ICustomerEmailGrain
{
    public async Task<string> Claim(string customerId)
    {
        if (index.State.CustomerId is { } holder) return holder;
        index.State.CustomerId = customerId;
        await index.WriteStateAsync();
        return customerId;
    }

    public Task<string?> Holder() => Task.FromResult(index.State.CustomerId);
}

[GenerateSerializer]
public sealed class CustomerEmailState
{
    [Id(0)] public string? CustomerId { get; set; }
}
