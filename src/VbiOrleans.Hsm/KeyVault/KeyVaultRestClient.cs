using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace VbiOrleans.Hsm.KeyVault;

/// <summary>
/// The few Key Vault keys operations <see cref="KeyVaultHsm"/> needs, sent through an Azure.Core pipeline (bearer
/// token, retries, diagnostics). A failure of the service becomes an <see cref="HsmException"/> carrying the service's
/// error code.
/// </summary>
internal sealed class KeyVaultRestClient(HttpPipeline pipeline, Uri vaultUri, string apiVersion)
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly string _vault = vaultUri.AbsoluteUri.TrimEnd('/');

    /// <summary>GET {vault}/keys/{name}: the latest version, or null when there is no such key.</summary>
    public Task<KeyBundle?> GetKeyAsync(string name, CancellationToken cancellationToken) =>
        SendAsync<KeyBundle>(RequestMethod.Get, $"keys/{name}", null, $"get key {name}", notFoundIsNull: true, cancellationToken);

    /// <summary>POST {vault}/keys/{name}/create. On a name that exists, Key Vault adds a version rather than failing.</summary>
    public async Task<KeyBundle> CreateKeyAsync(string name, KeyCreateParameters parameters, CancellationToken cancellationToken) =>
        await SendAsync<KeyBundle>(RequestMethod.Post, $"keys/{name}/create", parameters, $"create key {name}", notFoundIsNull: false, cancellationToken).ConfigureAwait(false)
        ?? throw new HsmException($"Key Vault returned no key for create key {name}");

    public Task<KeyOperationResult> SignAsync(string name, string version, KeySignParameters parameters, CancellationToken cancellationToken) =>
        OperationAsync("sign", name, version, parameters, cancellationToken);

    public Task<KeyOperationResult> EncryptAsync(string name, string version, KeyOperationsParameters parameters, CancellationToken cancellationToken) =>
        OperationAsync("encrypt", name, version, parameters, cancellationToken);

    public Task<KeyOperationResult> DecryptAsync(string name, string version, KeyOperationsParameters parameters, CancellationToken cancellationToken) =>
        OperationAsync("decrypt", name, version, parameters, cancellationToken);

    private async Task<KeyOperationResult> OperationAsync(string operation, string name, string version, object parameters, CancellationToken cancellationToken) =>
        await SendAsync<KeyOperationResult>(RequestMethod.Post, $"keys/{name}/{version}/{operation}", parameters, $"{operation} with key {name}",
            notFoundIsNull: false, cancellationToken).ConfigureAwait(false)
        ?? throw new HsmException($"Key Vault returned no result for {operation} with key {name}");

    private async Task<T?> SendAsync<T>(RequestMethod method, string path, object? body, string operation, bool notFoundIsNull,
        CancellationToken cancellationToken) where T : class
    {
        using var message = pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        // Names and versions are [0-9a-zA-Z-] (KeyVaultKeyName, WrappedBlob check them), so the path needs no escaping.
        request.Uri.Reset(new Uri($"{_vault}/{path}"));
        request.Uri.AppendQuery("api-version", apiVersion);
        request.Headers.Add(HttpHeader.Names.Accept, "application/json");
        if (body is not null)
        {
            request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
            request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
        }

        try
        {
            await pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The transport failed after the pipeline's retries, or no token could be had from the credential.
            throw new HsmException($"Key Vault {operation} failed: {e.Message}", (e as RequestFailedException)?.ErrorCode, e);
        }

        var response = message.Response;
        if (response.Status == 404 && notFoundIsNull) return null;
        if (response.IsError) throw Refusal(operation, response);
        try
        {
            return JsonSerializer.Deserialize<T>(response.Content.ToMemory().Span, Json);
        }
        catch (JsonException e)
        {
            throw new HsmException($"Key Vault {operation}: the response is not the documented JSON", e);
        }
    }

    // The documented error body is {"error":{"code":…,"message":…,"innererror":{"code":…}}}.
    private static HsmException Refusal(string operation, Response response)
    {
        KeyVaultError? error = null;
        try
        {
            error = JsonSerializer.Deserialize<KeyVaultErrorResponse>(response.Content.ToMemory().Span, Json)?.Error;
        }
        catch (JsonException)
        {
            // Not the documented body (a proxy, a gateway): the status alone tells what happened.
        }
        var code = error?.Code;
        var inner = error?.InnerError?.Code is { } innerCode ? $" ({innerCode})" : "";
        return new HsmException($"Key Vault refused {operation}: HTTP {response.Status} {code}{inner}: {error?.Message ?? response.ReasonPhrase}", code, null);
    }
}
