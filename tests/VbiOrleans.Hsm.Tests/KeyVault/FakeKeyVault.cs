using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Core.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VbiOrleans.Hsm.KeyVault;

namespace VbiOrleans.Hsm.Tests.KeyVault;

/// <summary>
/// A stand-in for the Managed HSM keys REST API, over HTTPS on 127.0.0.1 (Azure.Core sends bearer tokens only over
/// TLS) with a self-signed certificate the client pins. It serves the documented request and response shapes of
/// get key, create key, sign (ES256, HS256), encrypt and decrypt (A256GCM, IV chosen by the service), does the real
/// cryptography, and checks every request for the api-version and the bearer token. Errors use the documented
/// KeyVaultError body. Key names compare without regard to case and a create on an existing name adds a version,
/// as in Key Vault.
/// </summary>
public sealed partial class FakeKeyVault : IAsyncLifetime
{
    public const string ApiVersion = "7.6";
    public const string Token = "fake-token-for-tests";

    private readonly ConcurrentDictionary<string, List<FakeKey>> _keys = new(StringComparer.OrdinalIgnoreCase);
    private WebApplication? _app;
    private X509Certificate2? _certificate;

    public Uri VaultUri { get; private set; } = null!;

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>When set, every request is refused with 403 and this error code, as for a caller without a role.</summary>
    public string? ForbiddenCode { get; set; }

    public sealed record RecordedRequest(string Method, string Path, string Query, string? Authorization, JsonNode? Body);

    private sealed class FakeKey(string name, string version, string keyType, string[] operations, JsonObject tags)
    {
        public string Name { get; } = name;
        public string Version { get; } = version;
        public string KeyType { get; } = keyType;
        public string[] Operations { get; } = operations;
        public JsonObject Tags { get; } = tags;
        public ECDsa? Ecdsa { get; init; }
        public byte[]? Secret { get; init; }
    }

    public async Task InitializeAsync()
    {
        _certificate = SelfSignedCertificate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(_certificate)));
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        VaultUri = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _certificate?.Dispose();
        foreach (var key in _keys.Values.SelectMany(versions => versions)) key.Ecdsa?.Dispose();
    }

    /// <summary>Options for a <see cref="KeyVaultHsm"/> against this fake: Managed HSM scope, and a transport that
    /// trusts exactly this fake's certificate.</summary>
    public KeyVaultHsmOptions ClientOptions(string apiVersion = ApiVersion)
    {
        var thumbprint = _certificate!.GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && certificate.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint,
            },
        };
        return new KeyVaultHsmOptions(VaultUri)
        {
            ApiVersion = apiVersion,
            AuthenticationScope = KeyVaultHsmOptions.ManagedHsmScope,
            Transport = new HttpClientTransport(handler),
        };
    }

    /// <summary>Adds a version to a key, as Key Vault's rotation (or a second create) does.</summary>
    public void AddVersion(string name)
    {
        var latest = _keys[name][^1];
        lock (_keys[name]) _keys[name].Add(NewKey(latest.Name, latest.KeyType, latest.Operations, (JsonObject)latest.Tags.DeepClone()));
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        JsonNode? body = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                body = await JsonNode.ParseAsync(request.Body);
            }
            catch (JsonException)
            {
                await Error(context, 400, "BadParameter", "The request body is not JSON.");
                return;
            }
        }
        var authorization = request.Headers.Authorization.ToString();
        Requests.Enqueue(new RecordedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", authorization, body));

        if (authorization != $"Bearer {Token}")
        {
            context.Response.Headers.WWWAuthenticate = "Bearer authorization=\"https://login.microsoftonline.com/common\", resource=\"https://managedhsm.azure.net\"";
            await Error(context, 401, "Unauthorized", "Request is missing a valid Bearer token.");
            return;
        }
        if (request.Query["api-version"].ToString() != ApiVersion)
        {
            await Error(context, 400, "BadParameter", $"The specified version ({request.Query["api-version"]}) is not recognized. Consider using {ApiVersion}.");
            return;
        }
        if (ForbiddenCode is { } forbidden)
        {
            await Error(context, 403, forbidden, "Caller is not authorized to perform action on resource.", innerCode: "ForbiddenByRbac");
            return;
        }

        var segments = (request.Path.Value ?? "").Trim('/').Split('/');
        switch (request.Method, segments)
        {
            case ("GET", ["keys", var name]):
                await GetKey(context, name, version: null);
                break;
            case ("GET", ["keys", var name, var version]):
                await GetKey(context, name, version);
                break;
            case ("POST", ["keys", var name, "create"]):
                await CreateKey(context, name, body);
                break;
            case ("POST", ["keys", var name, var version, var operation]):
                await Operate(context, name, version, operation, body);
                break;
            default:
                await Error(context, 404, "NotFound", $"No operation {request.Method} {request.Path}.");
                break;
        }
    }

    private Task GetKey(HttpContext context, string name, string? version) =>
        Find(name, version) is { } key ? Json(context, Bundle(context, key)) : KeyNotFound(context, name);

    private FakeKey? Find(string name, string? version)
    {
        if (!_keys.TryGetValue(name, out var versions)) return null;
        lock (versions)
        {
            return version is null ? versions[^1] : versions.FirstOrDefault(k => k.Version == version);
        }
    }

    private Task CreateKey(HttpContext context, string name, JsonNode? body)
    {
        if (!KeyName().IsMatch(name)) return Error(context, 400, "BadParameter", "The key name must match ^[0-9a-zA-Z-]+$.");
        var keyType = body?["kty"]?.GetValue<string>();
        var operations = body?["key_ops"]?.AsArray().Select(o => o!.GetValue<string>()).ToArray() ?? ["sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey"];
        var tags = body?["tags"]?.DeepClone() as JsonObject ?? [];
        var curve = body?["crv"]?.GetValue<string>();
        var size = body?["key_size"]?.GetValue<int>();
        var supported = (keyType == "EC-HSM" && curve == "P-256") || (keyType == "oct-HSM" && size == 256);
        if (!supported) return Error(context, 400, "BadParameter", "This fake creates EC-HSM P-256 and oct-HSM 256-bit keys only.");
        var key = NewKey(name, keyType!, operations, tags);
        var versions = _keys.GetOrAdd(name, _ => []);
        lock (versions) versions.Add(key);
        return Json(context, Bundle(context, key));
    }

    private static FakeKey NewKey(string name, string keyType, string[] operations, JsonObject tags) =>
        keyType == "EC-HSM"
            ? new FakeKey(name, Guid.NewGuid().ToString("N"), keyType, operations, tags) { Ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256) }
            : new FakeKey(name, Guid.NewGuid().ToString("N"), keyType, operations, tags) { Secret = RandomNumberGenerator.GetBytes(32) };

    private Task Operate(HttpContext context, string name, string version, string operation, JsonNode? body)
    {
        if (Find(name, version) is not { } key) return KeyNotFound(context, name);
        if (!key.Operations.Contains(operation)) return Error(context, 400, "BadParameter", $"Operation {operation} is not allowed on this key.");
        var algorithm = body?["alg"]?.GetValue<string>();
        byte[] value;
        try
        {
            value = Bytes(body, "value") ?? throw new FormatException("value is required");
        }
        catch (FormatException e)
        {
            return Error(context, 400, "BadParameter", e.Message);
        }
        var kid = Kid(context, key);
        return (operation, algorithm, key.KeyType) switch
        {
            ("sign", "ES256", "EC-HSM") when value.Length == 32 => Json(context, new JsonObject
            {
                ["kid"] = kid,
                ["value"] = Base64Url.EncodeToString(key.Ecdsa!.SignHash(value, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)),
            }),
            ("sign", "ES256", _) => Error(context, 400, "BadParameter", "ES256 signs a 32-byte digest with a P-256 key."),
            ("sign", "HS256", "oct-HSM") => Json(context, new JsonObject { ["kid"] = kid, ["value"] = Base64Url.EncodeToString(HMACSHA256.HashData(key.Secret!, value)) }),
            ("encrypt", "A256GCM", "oct-HSM") => Encrypt(context, key, kid, value, body),
            ("decrypt", "A256GCM", "oct-HSM") => Decrypt(context, key, kid, value, body),
            _ => Error(context, 400, "BadParameter", $"Algorithm {algorithm} is not supported for {operation} with a {key.KeyType} key."),
        };
    }

    private static Task Encrypt(HttpContext context, FakeKey key, string kid, byte[] plaintext, JsonNode? body)
    {
        // Managed HSM chooses the GCM nonce itself and refuses one from the client.
        if (body?["iv"] is not null) return Error(context, 400, "BadParameter", "The iv must not be specified for AES-GCM encryption.");
        var aad = Bytes(body, "aad");
        var iv = RandomNumberGenerator.GetBytes(12);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        using (var gcm = new AesGcm(key.Secret!, tag.Length)) gcm.Encrypt(iv, plaintext, ciphertext, tag, aad);
        var result = new JsonObject
        {
            ["kid"] = kid,
            ["value"] = Base64Url.EncodeToString(ciphertext),
            ["iv"] = Base64Url.EncodeToString(iv),
            ["tag"] = Base64Url.EncodeToString(tag),
        };
        if (aad is not null) result["aad"] = Base64Url.EncodeToString(aad);
        return Json(context, result);
    }

    private static Task Decrypt(HttpContext context, FakeKey key, string kid, byte[] ciphertext, JsonNode? body)
    {
        var iv = Bytes(body, "iv");
        var tag = Bytes(body, "tag");
        if (iv is not { Length: 12 } || tag is not { Length: 16 }) return Error(context, 400, "BadParameter", "AES-GCM decryption needs a 12-byte iv and a 16-byte tag.");
        var plaintext = new byte[ciphertext.Length];
        try
        {
            using var gcm = new AesGcm(key.Secret!, tag.Length);
            gcm.Decrypt(iv, ciphertext, tag, plaintext, Bytes(body, "aad"));
        }
        catch (AuthenticationTagMismatchException)
        {
            return Error(context, 400, "BadParameter", "Decryption failed: the authentication tag does not match.");
        }
        return Json(context, new JsonObject { ["kid"] = kid, ["value"] = Base64Url.EncodeToString(plaintext) });
    }

    private static JsonObject Bundle(HttpContext context, FakeKey key)
    {
        var jwk = new JsonObject
        {
            ["kid"] = Kid(context, key),
            ["kty"] = key.KeyType,
            ["key_ops"] = new JsonArray([.. key.Operations.Select(o => JsonValue.Create(o))]),
        };
        if (key.Ecdsa is { } ecdsa)
        {
            var point = ecdsa.ExportParameters(includePrivateParameters: false).Q;
            jwk["crv"] = "P-256";
            jwk["x"] = Base64Url.EncodeToString(point.X);
            jwk["y"] = Base64Url.EncodeToString(point.Y);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["key"] = jwk,
            ["attributes"] = new JsonObject
            {
                ["enabled"] = true,
                ["created"] = now,
                ["updated"] = now,
                ["recoveryLevel"] = "Recoverable+Purgeable",
                ["exportable"] = false,
            },
            ["tags"] = key.Tags.DeepClone(),
        };
    }

    private static string Kid(HttpContext context, FakeKey key) => $"https://{context.Request.Host}/keys/{key.Name}/{key.Version}";

    private static byte[]? Bytes(JsonNode? body, string property) =>
        body?[property]?.GetValue<string>() is { } text ? Base64Url.DecodeFromChars(text) : null;

    private static Task KeyNotFound(HttpContext context, string name) =>
        Error(context, 404, "KeyNotFound", $"A key with (name/id) {name} was not found in this key vault.");

    private static Task Error(HttpContext context, int status, string code, string message, string? innerCode = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (innerCode is not null) error["innererror"] = new JsonObject { ["code"] = innerCode };
        context.Response.StatusCode = status;
        return Json(context, new JsonObject { ["error"] = error }, status);
    }

    private static Task Json(HttpContext context, JsonObject body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    [GeneratedRegex("^[0-9a-zA-Z-]+\\z")]
    private static partial Regex KeyName();
}
