using System.Text.Json.Serialization;

namespace VbiOrleans.Hsm.KeyVault;

// The request and response bodies of the Key Vault keys REST API that KeyVaultHsm uses, as the API reference
// (KeyCreateParameters, KeyBundle, JsonWebKey, KeySignParameters, KeyOperationsParameters, KeyOperationResult,
// KeyVaultError) documents them. Binary values travel as base64url strings without padding.

internal sealed record KeyCreateParameters(
    [property: JsonPropertyName("kty")] string KeyType,
    [property: JsonPropertyName("crv")] string? Curve,
    [property: JsonPropertyName("key_size")] int? KeySize,
    [property: JsonPropertyName("key_ops")] IReadOnlyList<string> KeyOperations,
    [property: JsonPropertyName("attributes")] KeyAttributes Attributes,
    [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string> Tags);

// Keys are created non-exportable: "exportable" is false unless set, and setting it true needs a release policy.
internal sealed record KeyAttributes([property: JsonPropertyName("enabled")] bool? Enabled);

internal sealed record KeyBundle(
    [property: JsonPropertyName("key")] JsonWebKey? Key,
    [property: JsonPropertyName("attributes")] KeyAttributes? Attributes,
    [property: JsonPropertyName("tags")] IReadOnlyDictionary<string, string>? Tags);

internal sealed record JsonWebKey(
    [property: JsonPropertyName("kid")] string? KeyId,
    [property: JsonPropertyName("kty")] string? KeyType,
    [property: JsonPropertyName("key_ops")] IReadOnlyList<string>? KeyOperations,
    [property: JsonPropertyName("crv")] string? Curve,
    [property: JsonPropertyName("x")] string? X,
    [property: JsonPropertyName("y")] string? Y);

internal sealed record KeySignParameters(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("value")] string Value);

internal sealed record KeyOperationsParameters(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("iv")] string? InitializationVector = null,
    [property: JsonPropertyName("aad")] string? AdditionalAuthenticatedData = null,
    [property: JsonPropertyName("tag")] string? AuthenticationTag = null);

internal sealed record KeyOperationResult(
    [property: JsonPropertyName("kid")] string? KeyId,
    [property: JsonPropertyName("value")] string? Value,
    [property: JsonPropertyName("iv")] string? InitializationVector,
    [property: JsonPropertyName("tag")] string? AuthenticationTag);

internal sealed record KeyVaultErrorResponse([property: JsonPropertyName("error")] KeyVaultError? Error);

internal sealed record KeyVaultError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("innererror")] KeyVaultError? InnerError);
