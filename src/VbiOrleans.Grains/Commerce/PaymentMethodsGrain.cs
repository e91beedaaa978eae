using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Domain.Payments;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Hsm;
using VbiOrleans.Payments;

namespace VbiOrleans.Grains.Commerce;

[GenerateSerializer]
public sealed class PaymentMethodsState
{
    /// <summary>The provider that holds <see cref="ProviderCustomerId"/>; another provider gets its own customer record.</summary>
    [Id(0)] public string? ProviderName { get; set; }
    [Id(1)] public string? ProviderCustomerId { get; set; }
    [Id(2)] public List<StoredPaymentMethod> Methods { get; set; } = [];
    [Id(3)] public string? DefaultId { get; set; }
    /// <summary>This customer's data key for bank account numbers, wrapped by the HSM key <see cref="PaymentMethodsGrain.BankAccountsKeyLabel"/>.</summary>
    [Id(4)] public byte[]? WrappedDataKey { get; set; }
    /// <summary>The last request keys and what each made, for idempotent adds (at most <see cref="PaymentMethodsGrain.MaxRequestKeys"/>).</summary>
    [Id(5)] public List<MethodRequest> Requests { get; set; } = [];
    /// <summary>How many times making the provider customer failed transiently: each try uses a new key (see <see cref="MethodRequest.TransientFailures"/>).</summary>
    [Id(6)] public int CustomerAttempts { get; set; }
}

[GenerateSerializer]
public sealed class StoredPaymentMethod
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public PaymentMethodKind Kind { get; set; }
    [Id(2)] public DateTimeOffset AddedAt { get; set; }
    [Id(3)] public DateTimeOffset? RemovedAt { get; set; }
    [Id(4)] public string Last4 { get; set; } = "";
    // A card: what the provider said of it.
    [Id(5)] public string? Brand { get; set; }
    [Id(6)] public int? ExpMonth { get; set; }
    [Id(7)] public int? ExpYear { get; set; }
    [Id(8)] public string? Provider { get; set; }
    [Id(9)] public string? ProviderCustomerId { get; set; }
    [Id(10)] public string? SourceId { get; set; }
    // A bank account: the account number only as AES-GCM nonce ‖ ciphertext ‖ tag under the customer's data key.
    [Id(11)] public string? RoutingNumber { get; set; }
    [Id(12)] public byte[]? EncryptedAccountNumber { get; set; }
    [Id(13)] public BankAccountType? AccountType { get; set; }
    [Id(14)] public string? HolderName { get; set; }
    [Id(15)] public AchAuthorizationRecord? Authorization { get; set; }
}

[GenerateSerializer]
public sealed class MethodRequest
{
    [Id(0)] public string Key { get; set; } = "";
    /// <summary>What the request asked for: SHA-256 of a card token; HMAC under the data key of a bank account's fields (never a plain hash of an account number).</summary>
    [Id(1)] public byte[] Fingerprint { get; set; } = [];
    [Id(2)] public string? MethodId { get; set; }
    /// <summary>How many times the provider answered this request transiently: each retry asks it under a new key, since the provider may keep a failure for its key.</summary>
    [Id(3)] public int TransientFailures { get; set; }
}

/// <summary>
/// A customer's payment methods (see <see cref="IPaymentMethodsGrain"/>). Bank account numbers are encrypted with
/// AES-256-GCM under a data key of the customer's, which the HSM key <see cref="BankAccountsKeyLabel"/> wraps (made on
/// first use, as the partner secrets' key is); the data key is unwrapped once per activation. The customer id and the
/// method id are the associated data, so a ciphertext moved to another method or customer does not decrypt.
/// </summary>
public sealed class PaymentMethodsGrain(
    [PersistentState(stateName: "paymentMethods", storageName: StorageNames.Commerce)] IPersistentState<PaymentMethodsState> methods,
    IPaymentProvider provider,
    ModuleCrypto crypto,
    IOptions<PaymentOptions> options,
    TimeProvider clock,
    ILogger<PaymentMethodsGrain> logger) : Grain, IPaymentMethodsGrain
{
    public const string BankAccountsKeyLabel = "vbi-bank-accounts";
    public const int MaxRequestKeys = 100;
    private const int MaxTokenLength = 255;

    private byte[]? _dataKey;

    private string CustomerId => this.GetPrimaryKeyString();

    private PaymentMethodsState State => methods.State;

    public async Task<PaymentMethodResult> AddCard(string token, string requestKey)
    {
        if (token is not { Length: > 0 and <= MaxTokenLength } || token.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            return PaymentMethodResult.Fail(ErrorCode.InvalidPaymentToken, "the card token is 1 to 255 printable characters without spaces");
        var fingerprint = SHA256.HashData(Encoding.UTF8.GetBytes("card\n" + token));
        if (Replay(requestKey, fingerprint, out var request) is { } replayed) return replayed;
        if (ActiveCount() >= options.Value.MaxPaymentMethods) return TooMany();

        var customer = await ProviderCustomerAsync();
        if (!customer.IsSuccess) return await FailedAsync(customer, request, requestKey, fingerprint);
        var attach = await provider.AttachCardAsync(customer.Value!.Id, token, ProviderKey("card", requestKey, request?.TransientFailures ?? 0), CancellationToken.None);
        if (!attach.IsSuccess) return await FailedAsync(attach, request, requestKey, fingerprint);

        var card = attach.Value!;
        var method = new StoredPaymentMethod
        {
            Id = NewMethodId(), Kind = PaymentMethodKind.Card, AddedAt = clock.GetUtcNow(), Last4 = card.Last4, Brand = card.Brand, ExpMonth = card.ExpMonth,
            ExpYear = card.ExpYear, Provider = provider.Name, ProviderCustomerId = customer.Value.Id, SourceId = card.Id,
        };
        return await KeepAsync(method, requestKey, fingerprint);
    }

    public async Task<PaymentMethodResult> AddBankAccount(BankAccountInput bank, string requestKey)
    {
        if (!RoutingNumber.IsValid(bank.RoutingNumber))
            return PaymentMethodResult.Fail(ErrorCode.InvalidRoutingNumber, "the routing number is not nine digits with a valid ABA check digit");
        if (!BankAccountNumber.IsValid(bank.AccountNumber))
            return PaymentMethodResult.Fail(ErrorCode.InvalidAccountNumber, $"the account number is {BankAccountNumber.MinLength} to {BankAccountNumber.MaxLength} digits");
        if (AccountHolderName.Normalize(bank.HolderName) is not { } holder)
            return PaymentMethodResult.Fail(ErrorCode.InvalidAccountHolderName, $"the holder name is 1 to {AccountHolderName.MaxLength} letters, digits, spaces or . , ' - &");
        if (!Enum.IsDefined(bank.AccountType)) return PaymentMethodResult.Fail(ErrorCode.ValidationFailed, "the account type is checking or savings");
        var authorization = bank.Authorization;
        if (!authorization.Accepted || authorization.TextVersion != AchAuthorization.CurrentVersion)
            return PaymentMethodResult.Fail(ErrorCode.AchAuthorizationRequired,
                $"a bank account is debited only with the ACH authorization accepted: version {AchAuthorization.CurrentVersion} (GET /v1/payment-methods/ach-authorization), accepted true");

        var dataKey = await DataKeyAsync();
        var fingerprint = HMACSHA256.HashData(dataKey, Encoding.UTF8.GetBytes(
            $"bank\n{bank.RoutingNumber}\n{bank.AccountNumber}\n{bank.AccountType}\n{holder}\n{authorization.TextVersion}"));
        if (Replay(requestKey, fingerprint, out _) is { } replayed) return replayed;
        if (ActiveCount() >= options.Value.MaxPaymentMethods) return TooMany();

        var id = NewMethodId();
        var method = new StoredPaymentMethod
        {
            Id = id, Kind = PaymentMethodKind.BankAccount, AddedAt = clock.GetUtcNow(), Last4 = BankAccountNumber.Last4(bank.AccountNumber),
            RoutingNumber = bank.RoutingNumber, EncryptedAccountNumber = Encrypt(dataKey, id, bank.AccountNumber), AccountType = bank.AccountType,
            HolderName = holder,
            Authorization = new AchAuthorizationRecord(AchAuthorization.CurrentVersion, Convert.ToHexStringLower(AchAuthorization.Sha256Of(AchAuthorization.CurrentVersion)),
                clock.GetUtcNow(), authorization.IpAddress, authorization.Credential),
        };
        return await KeepAsync(method, requestKey, fingerprint);
    }

    public Task<IReadOnlyList<PaymentMethodView>> List() =>
        Task.FromResult<IReadOnlyList<PaymentMethodView>>([.. State.Methods.Where(m => m.RemovedAt is null).Select(View)]);

    public Task<PaymentMethodView?> Find(string methodId) =>
        Task.FromResult(Active(methodId) is { } method ? View(method) : null);

    public Task<PaymentMethodView?> Default() =>
        Task.FromResult(State.DefaultId is { } id && Active(id) is { } method ? View(method) : null);

    public async Task<PaymentMethodResult> SetDefault(string methodId)
    {
        if (Active(methodId) is not { } method) return NotFound(methodId);
        if (State.DefaultId != methodId)
        {
            State.DefaultId = methodId;
            await methods.WriteStateAsync();
        }
        return new PaymentMethodResult(ErrorCode.None, null, View(method));
    }

    public async Task<PaymentMethodResult> Remove(string methodId)
    {
        var method = State.Methods.FirstOrDefault(m => m.Id == methodId);
        if (method is null) return NotFound(methodId);
        if (method.RemovedAt is null)
        {
            method.RemovedAt = clock.GetUtcNow();
            if (State.DefaultId == methodId) State.DefaultId = State.Methods.FirstOrDefault(m => m.RemovedAt is null)?.Id;
            // Removed methods are kept, the oldest forgotten past the bound: a bank account's record and authorization
            // serve the debits made under it before the removal.
            var removed = State.Methods.Where(m => m.RemovedAt is not null).OrderBy(m => m.RemovedAt).ToList();
            foreach (var old in removed.Take(Math.Max(0, removed.Count - options.Value.MaxRemovedMethods))) State.Methods.Remove(old);
            await methods.WriteStateAsync();
            logger.LogInformation("Payment method {MethodId} ({Kind}) of customer {CustomerId} removed", methodId, method.Kind, CustomerId);
        }
        return new PaymentMethodResult(ErrorCode.None, null, View(method));
    }

    public async Task<BankAccountDetails?> RevealBankAccount(string methodId)
    {
        var method = State.Methods.FirstOrDefault(m => m.Id == methodId && m.Kind == PaymentMethodKind.BankAccount);
        if (method?.EncryptedAccountNumber is null) return null;
        var account = Decrypt(await DataKeyAsync(), method.Id, method.EncryptedAccountNumber);
        return new BankAccountDetails(method.Id, method.RoutingNumber!, account, method.AccountType!.Value, method.HolderName!, method.Authorization!, method.RemovedAt);
    }

    // ---- adding ---------------------------------------------------------------------------------------------------

    /// <summary>The answer a request key already has: its method, or a refusal when the key came with another request.</summary>
    private PaymentMethodResult? Replay(string requestKey, byte[] fingerprint, out MethodRequest? pending)
    {
        var kept = State.Requests.FirstOrDefault(r => r.Key == requestKey);
        pending = kept;
        if (kept is null) return null;
        if (!kept.Fingerprint.AsSpan().SequenceEqual(fingerprint))
            return PaymentMethodResult.Fail(ErrorCode.IdempotencyKeyReused, "this Idempotency-Key was used to add another payment method; use a new key for a new method");
        if (kept.MethodId is null) return null;
        var method = State.Methods.FirstOrDefault(m => m.Id == kept.MethodId);
        return method is null || method.RemovedAt is not null
            ? NotFound(kept.MethodId)
            : new PaymentMethodResult(ErrorCode.None, null, View(method), Replayed: true);
    }

    private async Task<PaymentMethodResult> KeepAsync(StoredPaymentMethod method, string requestKey, byte[] fingerprint)
    {
        State.Methods.Add(method);
        State.DefaultId ??= method.Id;
        Remember(requestKey, fingerprint).MethodId = method.Id;
        await methods.WriteStateAsync();
        logger.LogInformation("Payment method {MethodId} ({Kind}) added for customer {CustomerId}", method.Id, method.Kind, CustomerId);
        return new PaymentMethodResult(ErrorCode.None, null, View(method));
    }

    private MethodRequest Remember(string requestKey, byte[] fingerprint)
    {
        var request = State.Requests.FirstOrDefault(r => r.Key == requestKey);
        if (request is null)
        {
            request = new MethodRequest { Key = requestKey, Fingerprint = fingerprint };
            State.Requests.Add(request);
            if (State.Requests.Count > MaxRequestKeys) State.Requests.RemoveAt(0);
        }
        return request;
    }

    private async Task<PaymentMethodResult> FailedAsync<T>(PaymentResult<T> failure, MethodRequest? request, string requestKey, byte[] fingerprint)
    {
        if (failure.IsTransient)
        {
            // The next try of this request asks the provider under a new key: the provider may keep this failure for the
            // old one. A card source is not money, so a source made twice (the first answer lost) costs nothing.
            (request ?? Remember(requestKey, fingerprint)).TransientFailures++;
            await methods.WriteStateAsync();
        }
        return failure.Error switch
        {
            PaymentError.Declined => PaymentMethodResult.Fail(ErrorCode.PaymentDeclined, failure.Message ?? "the card was declined", failure.DeclineCode),
            PaymentError.InsufficientFunds => PaymentMethodResult.Fail(ErrorCode.PaymentInsufficientFunds, failure.Message ?? "insufficient funds", failure.DeclineCode),
            PaymentError.Unavailable or PaymentError.RateLimited => PaymentMethodResult.Fail(ErrorCode.PaymentProviderUnavailable,
                $"the payment provider did not answer ({failure.Error}); retry with the same Idempotency-Key"),
            PaymentError.InvalidRequest => PaymentMethodResult.Fail(ErrorCode.InvalidPaymentToken, $"the payment provider refused the token: {failure.Message}"),
            _ => PaymentMethodResult.Fail(ErrorCode.PaymentProviderRefused, $"the payment provider refused the request ({failure.Error})"),
        };
    }

    /// <summary>The customer's record at the provider, made once (and again only when the provider is another one).</summary>
    private async Task<PaymentResult<ProviderCustomer>> ProviderCustomerAsync()
    {
        if (State.ProviderCustomerId is { } id && State.ProviderName == provider.Name) return PaymentResult<ProviderCustomer>.Ok(new ProviderCustomer(id));
        var email = (await GrainFactory.GetGrain<ICustomerGrain>(CustomerId).Get())?.Email ?? "";
        var created = await provider.CreateCustomerAsync(CustomerId, email, $"vbi-customer:{CustomerId}:{State.CustomerAttempts}", CancellationToken.None);
        if (!created.IsSuccess)
        {
            // The provider may keep a failure for its key; the next try asks under a new one. A customer record made
            // twice (the first answer lost) is an unused record at the provider, never a charge.
            if (created.IsTransient)
            {
                State.CustomerAttempts++;
                await methods.WriteStateAsync();
            }
            return created;
        }
        State.ProviderName = provider.Name;
        State.ProviderCustomerId = created.Value!.Id;
        await methods.WriteStateAsync();
        return created;
    }

    private string ProviderKey(string what, string requestKey, int attempt) =>
        $"vbi-{what}:{CustomerId}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requestKey)))[..32]}:{attempt}";

    // ---- the data key and the account numbers -------------------------------------------------------------------

    private async Task<byte[]> DataKeyAsync()
    {
        if (_dataKey is not null) return _dataKey;
        var key = await BankAccountsKeyAsync();
        if (State.WrappedDataKey is { } wrapped) return _dataKey = await crypto.Hsm.UnwrapAsync(key, wrapped);
        var fresh = RandomNumberGenerator.GetBytes(32);
        State.WrappedDataKey = await crypto.Hsm.WrapAsync(key, fresh);
        await methods.WriteStateAsync();
        return _dataKey = fresh;
    }

    private Task<HsmKey> BankAccountsKeyAsync() => crypto.Hsm.FindOrCreateAsync(BankAccountsKeyLabel, HsmKeyKind.Aes256Wrapping);

    private byte[] AssociatedData(string methodId) => Encoding.UTF8.GetBytes($"vbi-bank-account:{CustomerId}:{methodId}");

    private byte[] Encrypt(byte[] dataKey, string methodId, string accountNumber)
    {
        var plain = Encoding.ASCII.GetBytes(accountNumber);
        var sealedBytes = new byte[AesGcm.NonceByteSizes.MaxSize + plain.Length + AesGcm.TagByteSizes.MaxSize];
        var nonce = sealedBytes.AsSpan(0, AesGcm.NonceByteSizes.MaxSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(dataKey, AesGcm.TagByteSizes.MaxSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(nonce.Length, plain.Length), sealedBytes.AsSpan(nonce.Length + plain.Length), AssociatedData(methodId));
        return sealedBytes;
    }

    private string Decrypt(byte[] dataKey, string methodId, byte[] sealedBytes)
    {
        var nonceLength = AesGcm.NonceByteSizes.MaxSize;
        var tagLength = AesGcm.TagByteSizes.MaxSize;
        var plain = new byte[sealedBytes.Length - nonceLength - tagLength];
        using var aes = new AesGcm(dataKey, tagLength);
        aes.Decrypt(sealedBytes.AsSpan(0, nonceLength), sealedBytes.AsSpan(nonceLength, plain.Length), sealedBytes.AsSpan(nonceLength + plain.Length), plain,
            AssociatedData(methodId));
        return Encoding.ASCII.GetString(plain);
    }

    // ---- views ----------------------------------------------------------------------------------------------------

    private StoredPaymentMethod? Active(string methodId) => State.Methods.FirstOrDefault(m => m.Id == methodId && m.RemovedAt is null);

    private int ActiveCount() => State.Methods.Count(m => m.RemovedAt is null);

    private PaymentMethodResult TooMany() =>
        PaymentMethodResult.Fail(ErrorCode.TooManyPaymentMethods, $"the account has {options.Value.MaxPaymentMethods} payment methods; remove one first");

    private static PaymentMethodResult NotFound(string methodId) => PaymentMethodResult.Fail(ErrorCode.PaymentMethodNotFound, $"no payment method {methodId} in this account");

    private PaymentMethodView View(StoredPaymentMethod m) => new(m.Id, m.Kind, m.Brand, BankName: null, m.Last4, m.Id == State.DefaultId && m.RemovedAt is null, m.AddedAt,
        m.ProviderCustomerId, m.SourceId, m.ExpMonth, m.ExpYear, m.AccountType, m.HolderName, m.Provider);

    private static string NewMethodId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return "pm_" + string.Create(24, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }
}
