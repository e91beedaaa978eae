using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using VbiOrleans.Protocol.Partners;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Client;

/// <summary>The customer, partner and operator API: accounts, meters, the client protocol, partners.</summary>
public sealed partial class VbiClient
{
    private VbiClientOptions? _options;

    /// <summary>The options this client was made with (credentials included; never logged).</summary>
    internal VbiClientOptions Options => _options!;

    // ---- customers -----------------------------------------------------------------------------------------------

    /// <summary>Creates an account. Use the returned token as <see cref="VbiClientOptions.CustomerToken"/>.</summary>
    public Task<CustomerSession> SignUpAsync(string email, string password, string? name = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/customers", new { email, password, name }, Credentials.None, null, ReadSuccessAsync<CustomerSession>, cancellationToken);

    /// <summary>Logs in with email and password: a new customer token.</summary>
    public Task<CustomerSession> LogInAsync(string email, string password, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/sessions", new { email, password }, Credentials.None, null, ReadSuccessAsync<CustomerSession>, cancellationToken);

    /// <summary>Revokes the customer token.</summary>
    public Task LogOutAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "v1/sessions/current", null, Credentials.Customer, null, NoContentAsync, cancellationToken);

    public Task<CustomerProfile> GetMeAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/customers/me", null, Credentials.Customer, null, ReadSuccessAsync<CustomerProfile>, cancellationToken);

    /// <summary>Lets a partner act for this customer and receive webhooks for its meters.</summary>
    public Task<CustomerProfile> LinkPartnerAsync(string partnerId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/customers/me/partners", new { partnerId }, Credentials.Customer, null, ReadSuccessAsync<CustomerProfile>, cancellationToken);

    /// <summary>
    /// Sets the account's return address, the sender of shipping labels that name none, from one line with the name
    /// first ("Acme Shop, 350 5th Ave, New York NY 10001"); the server keeps the exact match candidate, or answers
    /// <see cref="VbiErrorCodes.AddressNotMatched"/> with the candidates. Null removes it.
    /// </summary>
    public Task<CustomerProfile> SetReturnAddressAsync(string? line, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, "v1/customers/me/return-address", new { line }, Credentials.Customer, null, ReadSuccessAsync<CustomerProfile>, cancellationToken);

    /// <summary>
    /// Sets the account's tax id (an EIN 12-3456789 or an SSN 123-45-6789), which the licence applications of its new
    /// meters carry encrypted to the postal authority's key; <see cref="VbiErrorCodes.InvalidTaxId"/> otherwise. Null removes it.
    /// </summary>
    public Task<CustomerProfile> SetTaxIdAsync(string? taxId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, "v1/customers/me/tax-id", new { taxId }, Credentials.Customer, null, ReadSuccessAsync<CustomerProfile>, cancellationToken);

    // ---- meters --------------------------------------------------------------------------------------------------

    /// <summary>Licenses a new meter at a 5-digit licensing ZIP. The same <paramref name="idempotencyKey"/> returns the same meter.</summary>
    public Task<MeterInfo> LicenseMeterAsync(string licensingZip, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/meters", new { licensingZip }, Credentials.Customer,
            new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey ?? NewIdempotencyKey() }, ReadSuccessAsync<MeterInfo>, cancellationToken);

    public Task<IReadOnlyList<MeterInfo>> ListMetersAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<MeterInfo>>(HttpMethod.Get, "v1/meters", null, Credentials.Customer, null,
            async (r, t) => await ReadSuccessAsync<List<MeterInfo>>(r, t), cancellationToken);

    public Task<MeterInfo> GetMeterAsync(string meterId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, MeterPath(meterId), null, Credentials.Customer, null, ReadSuccessAsync<MeterInfo>, cancellationToken);

    public Task<ModuleIdentity> GetModuleIdentityAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/module/identity", null, Credentials.None, null, ReadSuccessAsync<ModuleIdentity>, cancellationToken);

    /// <summary>
    /// Registers this client with a licensed meter (docs/client-protocol.md §2): sends a fresh challenge, checks the
    /// module's signature against the pinned module key, makes a 256-bit HMK and seals it with the password to the
    /// module's signed ephemeral key. Returns the HMK: keep it secret (the CLI writes it with mode 0600); it is never
    /// sent again. Pass <paramref name="hmk"/> to use one made (and stored) beforehand. The password must pass the
    /// policy (10 to 128 characters, not one repeated character).
    /// </summary>
    public async Task<byte[]> RegisterMeterAsync(string meterId, string password, byte[]? pinnedModuleKey = null, byte[]? hmk = null,
        CancellationToken cancellationToken = default)
    {
        var pinned = pinnedModuleKey ?? Options.ModuleIdentityKey
            ?? throw new ArgumentException("the module identity key to pin is required (VbiClientOptions.ModuleIdentityKey)", nameof(pinnedModuleKey));
        var moduleKey = ModulePublicKey.FromSubjectPublicKeyInfo(pinned);
        var request = RegistrationClient.CreateRequest(meterId);
        var answerJson = await SendAsync(HttpMethod.Post, MeterPath(meterId) + "/registration", request.ToJson(), Credentials.Customer, null,
            ReadSuccessAsync<RegistrationResponseJson>, cancellationToken);
        var answer = RegistrationResponse.FromJson(answerJson);
        if (!answer.IsSuccess) throw NotAuthentic($"the registration answer is malformed ({answer})");
        hmk ??= RegistrationClient.NewHmk();
        var sealing = RegistrationClient.Seal(request, answer.Value, moduleKey, hmk, password);
        if (sealing.Error == RegistrationError.PasswordRejected)
            throw new VbiApiException(400, VbiErrorCodes.PasswordRejected, "PasswordRejected", $"the password is refused: {sealing.PasswordViolation}");
        if (!sealing.IsSuccess) throw NotAuthentic($"the module's registration answer does not verify under the pinned module key ({sealing.Error})");
        await SendAsync(HttpMethod.Post, MeterPath(meterId) + "/registration/envelope", sealing.Envelope!.ToJson(), Credentials.Customer, null,
            ReadSuccessAsync<MeterInfo>, cancellationToken);
        return hmk;
    }

    /// <summary>
    /// Opens the meter's session (docs/client-protocol.md §4): the password sealed under the HMK; the answer, MAC'd
    /// with the HMK, starts the challenge chain that every money-moving request then carries.
    /// </summary>
    public async Task<MeterSession> OpenMeterSessionAsync(string meterId, byte[] hmk, string password, CancellationToken cancellationToken = default)
    {
        var request = LoginClient.CreateRequest(meterId, hmk, password);
        var json = await SendAsync(HttpMethod.Post, MeterPath(meterId) + "/sessions", request.ToJson(), Credentials.Customer, null,
            ReadSuccessAsync<LoginResponseJson>, cancellationToken);
        var response = LoginResponse.FromJson(json);
        if (!response.IsSuccess) throw NotAuthentic($"the login answer is malformed ({response})");
        var completion = LoginClient.Complete(request, response.Value, hmk);
        if (completion.Verdict != LoginVerdict.Ok) throw NotAuthentic($"the login answer does not verify under the HMK ({completion.Verdict})");
        return new MeterSession(this, completion.Chain!);
    }

    /// <summary>A session from a chain state kept between runs (the CLI saves it after every request).</summary>
    public MeterSession ResumeMeterSession(string meterId, byte[] hmk, ChainState state) => new(this, ChallengeChain.Resume(meterId, hmk, state));

    /// <summary>Replaces the meter password; the new one must not be one of the last N (the passphrase repetition list).</summary>
    public Task<MeterInfo> ChangeMeterPasswordAsync(string meterId, byte[] hmk, string currentPassword, string newPassword, CancellationToken cancellationToken = default)
    {
        var request = PasswordChange.CreateRequest(meterId, hmk, currentPassword, newPassword);
        return SendAsync(HttpMethod.Post, MeterPath(meterId) + "/password", request.ToJson(), Credentials.Customer,
            new Dictionary<string, string> { ["Idempotency-Key"] = NewIdempotencyKey() }, ReadSuccessAsync<MeterInfo>, cancellationToken);
    }

    public Task<HistoryPage> GetHistoryAsync(string meterId, int? limit = null, long? before = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (limit is { } l) query.Add($"limit={l}");
        if (before is { } b) query.Add($"before={b}");
        return SendAsync(HttpMethod.Get, MeterPath(meterId) + "/history" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, Credentials.Customer,
            null, ReadSuccessAsync<HistoryPage>, cancellationToken);
    }

    /// <summary>The label of an indicium the meter printed, rendered again (any format).</summary>
    public Task<LabelFile> GetLabelAsync(string meterId, string indiciumId, LabelOptions? options = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (options?.Format is { } f) query.Add("format=" + Uri.EscapeDataString(f));
        if (options?.Layout is { } l) query.Add("layout=" + Uri.EscapeDataString(l));
        if (options?.Printer is { } p) query.Add("printer=" + Uri.EscapeDataString(p));
        if (options?.Dpi is { } d) query.Add($"dpi={d}");
        return SendAsync(HttpMethod.Get, $"{MeterPath(meterId)}/prints/{Uri.EscapeDataString(indiciumId)}/label" + (query.Count > 0 ? "?" + string.Join('&', query) : ""),
            null, Credentials.Customer, null, ReadSuccessAsync<LabelFile>, cancellationToken);
    }

    /// <summary>Verifies indicium bytes (offline checks and, unless <paramref name="online"/> is false, our records).</summary>
    public Task<VerificationResult> VerifyIndiciumAsync(byte[] indicium, bool online = true, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/indicia/verify", new { indicium = Convert.ToBase64String(indicium), online }, Credentials.None, null,
            ReadSuccessAsync<VerificationResult>, cancellationToken);

    /// <summary>Quotes a shipment in one class, or in every class that takes it, cheapest first (no credential needed).</summary>
    public Task<RatesResult> GetRatesAsync(RateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = new List<string> { "from=" + Uri.EscapeDataString(request.From), "to=" + Uri.EscapeDataString(request.To), "weightOz=" + Uri.EscapeDataString(request.WeightOz) };
        if (request.Dims is { } dims) query.Add("dims=" + Uri.EscapeDataString(dims));
        if (request.MailClass is { } mailClass) query.Add("class=" + Uri.EscapeDataString(mailClass));
        if (request.Shape is { } shape) query.Add("shape=" + Uri.EscapeDataString(shape));
        if (request.Services is { Count: > 0 } services) query.Add("services=" + Uri.EscapeDataString(string.Join(',', services)));
        if (request.DeclaredValueMills is { } declared) query.Add("declaredValueMills=" + declared.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (request.Date is { } date) query.Add("date=" + date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        return SendAsync(HttpMethod.Get, "v1/rates?" + string.Join('&', query), null, Credentials.None, null, ReadSuccessAsync<RatesResult>, cancellationToken);
    }

    // ---- partners ------------------------------------------------------------------------------------------------

    public Task<PartnerInfo> GetPartnerAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/partners/me", null, Credentials.Partner, null, ReadSuccessAsync<PartnerInfo>, cancellationToken);

    public Task<PartnerInfo> SetWebhookAsync(string? url, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, "v1/partners/me/webhook", new { url }, Credentials.Partner, null, ReadSuccessAsync<PartnerInfo>, cancellationToken);

    public Task<IReadOnlyList<WebhookDeliveryInfo>> GetWebhookDeliveriesAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<WebhookDeliveryInfo>>(HttpMethod.Get, $"v1/partners/webhooks/deliveries?limit={limit}", null, Credentials.Partner, null,
            async (r, t) => await ReadSuccessAsync<List<WebhookDeliveryInfo>>(r, t), cancellationToken);

    // ---- operators -----------------------------------------------------------------------------------------------

    public Task<PartnerCreated> CreatePartnerAsync(string partnerId, string name, string? webhookUrl = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/operator/partners", new { partnerId, name, webhookUrl }, Credentials.Operator, null,
            ReadSuccessAsync<PartnerCreated>, cancellationToken);

    public Task<IReadOnlyList<OperatorAuditEntry>> GetOperatorAuditAsync(DateOnly? date = null, CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<OperatorAuditEntry>>(HttpMethod.Get, "v1/operator/audit" + (date is { } d ? $"?date={d:yyyy-MM-dd}" : ""), null,
            Credentials.Operator, null, async (r, t) => await ReadSuccessAsync<List<OperatorAuditEntry>>(r, t), cancellationToken);

    /// <summary>A meter's audit as JSON (registers, postal checkpoint, module memory): operators only.</summary>
    public Task<JsonElement> GetMeterAuditAsync(string meterId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"v1/operator/meters/{Uri.EscapeDataString(meterId)}/audit", null, Credentials.Operator, null,
            ReadSuccessAsync<JsonElement>, cancellationToken);

    // ---- plumbing ------------------------------------------------------------------------------------------------

    /// <summary>A new idempotency key: 128 random bits, hex.</summary>
    public static string NewIdempotencyKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    internal static string MeterPath(string meterId)
    {
        ArgumentException.ThrowIfNullOrEmpty(meterId);
        return "v1/meters/" + Uri.EscapeDataString(meterId);
    }

    /// <summary>
    /// Sends a money-moving request: the same bytes and idempotency key on every try, again after no answer, a 5xx, a
    /// 429 or "in use", with a doubling wait. A 5xx the module signed (e.g. <c>SystemStopped</c>) is its answer to this
    /// request and is returned: the same bytes again would only be answered with it again. Returns the response body as
    /// JSON (success or problem) and its status.
    /// </summary>
    internal async Task<(int Status, JsonElement Body, bool IsProblem)> SendMoneyAsync(string path, byte[] body, string idempotencyKey,
        CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey };
        var delay = Options.RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await SendAsync(HttpMethod.Post, path, body, Credentials.Customer, headers, async (response, token) =>
                {
                    var status = (int)response.StatusCode;
                    var retryable = (status >= 500 && !await IsSignedAsync(response, token)) || status == 429
                        || (status == 409 && await IsCodeAsync(response, VbiErrorCodes.IdempotencyKeyInUse, token));
                    if (retryable && attempt < Options.Retries) throw new RetryException(response.Headers.RetryAfter?.Delta);
                    if (!response.IsSuccessStatusCode && !IsProblem(response)) throw await ToExceptionAsync(response, token);
                    return (status, await ReadJsonAsync<JsonElement>(response, token), !response.IsSuccessStatusCode);
                }, cancellationToken);
            }
            catch (Exception e) when (attempt < Options.Retries && (e is RetryException || (e is VbiApiException { IsTransportFailure: true })))
            {
                var wait = e is RetryException { After: { } after } && after > delay ? after : delay;
                await Task.Delay(wait, cancellationToken);
                delay *= 2;
            }
        }
    }

    private static async Task<bool> IsCodeAsync(HttpResponseMessage response, string code, CancellationToken cancellationToken)
    {
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var error = await ToExceptionAsync(response, cancellationToken);
        return error.Code == code;
    }

    /// <summary>Whether an error response is a refusal the module signed (a problem with <c>signedResponse</c>).</summary>
    private static async Task<bool> IsSignedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!IsProblem(response)) return false;
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return (await ToExceptionAsync(response, cancellationToken)).Extensions.ContainsKey("signedResponse");
    }

    private sealed class RetryException(TimeSpan? after) : Exception
    {
        public TimeSpan? After { get; } = after;
    }

    private static async Task<bool> NoContentAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    internal static VbiApiException NotAuthentic(string detail) => new(0, VbiErrorCodes.ResponseNotAuthentic, "ResponseNotAuthentic", detail);

    private void Authorize(HttpRequestMessage request, Uri uri, byte[] body, bool actForCustomer)
    {
        if (Options.Partner is { } partner)
        {
            var authorization = PartnerRequestSignature.CreateAuthorization(partner.PartnerId, partner.SecretBytes, request.Method.Method, uri.PathAndQuery,
                body, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), PartnerRequestSignature.NewNonce());
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            if (actForCustomer && partner.OnBehalfOf is { } customer) request.Headers.TryAddWithoutValidation("Vbi-On-Behalf-Of", customer);
        }
        else if (Options.CustomerToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }
}
