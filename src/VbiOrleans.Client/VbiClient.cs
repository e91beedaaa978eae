using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace VbiOrleans.Client;

/// <summary>
/// Typed, async access to the VbiOrleans HTTP API. Every failure is a <see cref="VbiApiException"/>; cancellation by the
/// caller's token is an <see cref="OperationCanceledException"/>. Thread-safe; one instance per server is enough.
/// </summary>
public sealed partial class VbiClient : IDisposable
{
    private const string OperatorModules = "v1/operator/modules";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _base;
    private readonly TimeSpan _timeout;
    private readonly AuthenticationHeaderValue? _operatorAuth;
    private readonly string _clientHeader;

    /// <summary>A client with its own connection pool.</summary>
    public VbiClient(VbiClientOptions options)
        : this(options, new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }), ownsHttpClient: true)
    {
    }

    /// <summary>A client over the given handler (a test double, or a handler chain of the caller's).</summary>
    public VbiClient(VbiClientOptions options, HttpMessageHandler handler, bool disposeHandler = true)
        : this(options, new HttpClient(handler ?? throw new ArgumentNullException(nameof(handler)), disposeHandler), ownsHttpClient: true)
    {
    }

    /// <summary>
    /// A client over an <see cref="HttpClient"/> the caller owns (for example one from <c>IHttpClientFactory</c>);
    /// it is not disposed with this client. Its <c>BaseAddress</c> and default headers are not used.
    /// </summary>
    public VbiClient(VbiClientOptions options, HttpClient httpClient)
        : this(options, httpClient ?? throw new ArgumentNullException(nameof(httpClient)), ownsHttpClient: false)
    {
    }

    private VbiClient(VbiClientOptions options, HttpClient http, bool ownsHttpClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.BaseAddress ?? throw new ArgumentException("BaseAddress is required", nameof(options));
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"BaseAddress must be an absolute http or https URL, not '{address}'", nameof(options));
        }
        if (options.Timeout <= TimeSpan.Zero && options.Timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("Timeout must be positive or Timeout.InfiniteTimeSpan", nameof(options));
        }
        // Keep a path prefix: "http://host/vbi" + "v1/..." must be "http://host/vbi/v1/...".
        _base = address.AbsolutePath.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        _timeout = options.Timeout;
        _options = options;
        _clientHeader = ClientHeaderFor(options);
        _http = http;
        _ownsHttp = ownsHttpClient;
        if (ownsHttpClient) _http.Timeout = Timeout.InfiniteTimeSpan; // the per-request timeout below applies instead
        if (!string.IsNullOrEmpty(options.OperatorKey))
        {
            _operatorAuth = string.IsNullOrEmpty(options.OperatorName)
                ? new AuthenticationHeaderValue("Bearer", options.OperatorKey)
                : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.OperatorName}:{options.OperatorKey}")));
        }
    }

    /// <summary>The server's base address, as requests use it.</summary>
    public Uri BaseAddress => _base;

    // ---- health ------------------------------------------------------------------------------------------------

    /// <summary>
    /// The liveness (<paramref name="ready"/> false) or readiness report. The ready probe answers 503 while the
    /// server is not ready; that report is returned too, so check <see cref="HealthReport.Status"/>.
    /// </summary>
    public async Task<HealthReport> GetHealthAsync(bool ready, CancellationToken cancellationToken = default)
    {
        var path = ready ? "health/ready" : "health/live";
        return await SendAsync(HttpMethod.Get, path, body: null, Credentials.None, headers: null, async (response, token) =>
        {
            var acceptable = response.IsSuccessStatusCode || (ready && response.StatusCode == HttpStatusCode.ServiceUnavailable);
            if (!acceptable || IsProblem(response)) throw await ToExceptionAsync(response, token);
            var report = await ReadJsonAsync<HealthReport>(response, token);
            return report with { Checks = report.Checks ?? new Dictionary<string, HealthCheckEntry>() };
        }, cancellationToken);
    }

    // ---- operators: module table -------------------------------------------------------------------------------

    /// <summary>The whole module table.</summary>
    public Task<IReadOnlyList<ModuleRow>> ListModulesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ModuleRow>>(HttpMethod.Get, OperatorModules, null, Credentials.Operator, null, async (response, token) =>
        {
            await EnsureSuccessAsync(response, token);
            return await ReadJsonAsync<List<ModuleRow>>(response, token);
        }, cancellationToken);

    /// <summary>
    /// Registers a crypto module. Repeating the same registration returns the existing row; a different label for a
    /// registered serial is refused with <see cref="VbiErrorCodes.ModuleAlreadyRegistered"/>.
    /// </summary>
    public Task<ModuleRow> RegisterModuleAsync(string serial, string? label = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(serial);
        return SendAsync(HttpMethod.Post, OperatorModules, new RegisterModuleBody(serial, label ?? ""), Credentials.Operator, null,
            ReadSuccessAsync<ModuleRow>, cancellationToken);
    }

    /// <summary>One row of the module table, or null when the serial is not registered.</summary>
    public Task<ModuleRow?> GetModuleAsync(string serial, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, ModulePath(serial), null, Credentials.Operator, null, async (response, token) =>
        {
            if (response.IsSuccessStatusCode) return await ReadJsonAsync<ModuleRow>(response, token);
            var error = await ToExceptionAsync(response, token);
            return error is { Status: 404, Code: VbiErrorCodes.ModuleNotRegistered } ? (ModuleRow?)null : throw error;
        }, cancellationToken);

    /// <summary>Takes a crypto module out of service; its row stays.</summary>
    public Task<ModuleRow> RetireModuleAsync(string serial, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, ModulePath(serial) + "/retire", null, Credentials.Operator, null,
            ReadSuccessAsync<ModuleRow>, cancellationToken);

    private static string ModulePath(string serial)
    {
        ArgumentNullException.ThrowIfNull(serial);
        return $"{OperatorModules}/{Uri.EscapeDataString(serial)}";
    }

    private sealed record RegisterModuleBody(string Serial, string Label);

    // ---- plumbing ----------------------------------------------------------------------------------------------

    /// <summary>Which credentials a request carries. Credentials go only to endpoints that need them.</summary>
    private enum Credentials
    {
        None,
        Operator,
        /// <summary>The customer's token, or the partner's signature (acting for the customer when one is named).</summary>
        Customer,
        /// <summary>The partner's signature, acting for nobody.</summary>
        Partner,
    }

    /// <summary>
    /// Sends one request and reads its response within the timeout. <paramref name="headers"/> carries per-call
    /// headers such as an <c>Idempotency-Key</c> for money-moving calls; the caller makes the key once per logical
    /// operation so that a repeated call is recognised by the server.
    /// </summary>
    private async Task<T> SendAsync<T>(
        HttpMethod method,
        string path,
        object? body,
        Credentials credentials,
        IReadOnlyDictionary<string, string>? headers,
        Func<HttpResponseMessage, CancellationToken, Task<T>> read,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout != Timeout.InfiniteTimeSpan) timeout.CancelAfter(_timeout);
        var uri = new Uri(_base, path);

        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        request.Headers.TryAddWithoutValidation(Protocol.Versions.ClientHeader.Name, _clientHeader);
        if (credentials == Credentials.Operator && _operatorAuth is not null) request.Headers.Authorization = _operatorAuth;
        if (headers is not null)
        {
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        }
        var bytes = body is null ? [] : body as byte[] ?? JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), VbiJson.Options);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        if (credentials is Credentials.Customer or Credentials.Partner) Authorize(request, uri, bytes, actForCustomer: credentials == Credentials.Customer);

        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return await read(response, timeout.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VbiApiException(0, VbiErrorCodes.Timeout, "Timeout",
                $"the VbiOrleans server at {_base} did not answer {method} /{path} within {_timeout.TotalSeconds:0.###} s", innerException: e);
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            throw new VbiApiException(0, VbiErrorCodes.Unreachable, "Unreachable",
                $"cannot reach the VbiOrleans server at {_base}: {reason}", innerException: e);
        }
    }

    private static async Task<T> ReadSuccessAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await ReadJsonAsync<T>(response, cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw await ToExceptionAsync(response, cancellationToken);
    }

    private static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var value = await response.Content.ReadFromJsonAsync<T>(VbiJson.Options, cancellationToken);
            return value ?? throw new JsonException("the body is JSON null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new VbiApiException((int)response.StatusCode, VbiErrorCodes.InvalidResponse, "InvalidResponse",
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered HTTP {(int)response.StatusCode} with a body that is not the expected JSON: {e.Message}",
                innerException: e);
        }
    }

    private static bool IsProblem(HttpResponseMessage response) =>
        string.Equals(response.Content.Headers.ContentType?.MediaType, "application/problem+json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The exception for an error response: the RFC 9457 problem document's <c>code</c>, <c>title</c> and
    /// <c>detail</c> when the body is one, otherwise <c>HttpNNN</c> and the reason phrase.
    /// </summary>
    internal static async Task<VbiApiException> ToExceptionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? code = null, title = null, detail = null;
        var extensions = new Dictionary<string, JsonElement>();
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!string.IsNullOrWhiteSpace(text))
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    code = StringMember(document.RootElement, "code");
                    title = StringMember(document.RootElement, "title");
                    detail = StringMember(document.RootElement, "detail");
                    foreach (var member in document.RootElement.EnumerateObject())
                    {
                        if (member.Name is not ("type" or "title" or "status" or "detail" or "instance" or "code")) extensions[member.Name] = member.Value.Clone();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's page, for example. The status says enough.
        }
        return new VbiApiException(
            status,
            string.IsNullOrEmpty(code) ? VbiErrorCodes.ForStatus(status) : code,
            title ?? response.ReasonPhrase,
            detail ?? $"HTTP {status} {response.ReasonPhrase} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}")
        {
            Extensions = extensions,
            RetryAfter = response.Headers.RetryAfter?.Delta,
        };
    }

    private static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
