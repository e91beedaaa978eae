using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Registration;

/// <summary>
/// Client to module, in clear: the meter being registered and a fresh 32-byte challenge.
/// <code>0x01 | version | meterId (text) | clientChallenge (32)</code>
/// </summary>
public sealed class RegistrationRequest
{
    private readonly byte[] _clientChallenge;

    public RegistrationRequest(string meterId, ReadOnlySpan<byte> clientChallenge)
    {
        MeterId = Fields.MeterId(meterId);
        _clientChallenge = Fields.Exact(clientChallenge, ProtocolConstants.ChallengeSize, "clientChallenge");
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientChallenge => _clientChallenge;

    public byte[] Encode() =>
        new WireWriter(64).Header(MessageType.RegistrationRequest).Text(MeterId).Fixed(_clientChallenge, ProtocolConstants.ChallengeSize).ToArray();

    public static Decoded<RegistrationRequest> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.RegistrationRequest);
            var meterId = r.Text("meterId");
            var challenge = r.Fixed(ProtocolConstants.ChallengeSize, "clientChallenge");
            r.End();
            return new RegistrationRequest(meterId, challenge);
        });
    }

    public RegistrationRequestJson ToJson() => new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_clientChallenge));

    public static Decoded<RegistrationRequest> FromJson(RegistrationRequestJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new RegistrationRequest(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.ClientChallenge, "clientChallenge", ProtocolConstants.ChallengeSize));
    });
}

/// <summary>
/// Module to client: the module's ephemeral P-256 key for this registration, signed with the module identity key.
/// <code>0x02 | version | meterId (text) | clientChallenge (32) | moduleEphemeralKey (65) | signature (64)</code>
/// The signature is ECDSA P-256 (raw r||s) over SHA-256 of
/// <c>tag("VBI-REGISTER-V1") | version | meterId | clientChallenge | moduleEphemeralKey</c>.
/// </summary>
public sealed class RegistrationResponse
{
    private readonly byte[] _clientChallenge;
    private readonly byte[] _moduleEphemeralKey;
    private readonly byte[] _signature;

    public RegistrationResponse(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> moduleEphemeralKey, ReadOnlySpan<byte> signature)
    {
        MeterId = Fields.MeterId(meterId);
        _clientChallenge = Fields.Exact(clientChallenge, ProtocolConstants.ChallengeSize, "clientChallenge");
        _moduleEphemeralKey = Fields.Exact(moduleEphemeralKey, ProtocolConstants.PublicPointSize, "moduleEphemeralKey");
        if (!EcPoints.IsValid(_moduleEphemeralKey)) throw new ArgumentException("not a P-256 point", "moduleEphemeralKey");
        _signature = Fields.Exact(signature, ProtocolConstants.SignatureSize, "signature");
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientChallenge => _clientChallenge;
    public ReadOnlyMemory<byte> ModuleEphemeralKey => _moduleEphemeralKey;
    public ReadOnlyMemory<byte> Signature => _signature;

    public byte[] Encode() =>
        new WireWriter(256).Header(MessageType.RegistrationResponse).Text(MeterId)
            .Fixed(_clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(_moduleEphemeralKey, ProtocolConstants.PublicPointSize)
            .Fixed(_signature, ProtocolConstants.SignatureSize).ToArray();

    public static Decoded<RegistrationResponse> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.RegistrationResponse);
            var meterId = r.Text("meterId");
            var challenge = r.Fixed(ProtocolConstants.ChallengeSize, "clientChallenge");
            var key = r.Fixed(ProtocolConstants.PublicPointSize, "moduleEphemeralKey");
            var signature = r.Fixed(ProtocolConstants.SignatureSize, "signature");
            r.End();
            return new RegistrationResponse(meterId, challenge, key, signature);
        });
    }

    public RegistrationResponseJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_clientChallenge), JsonFields.Base64(_moduleEphemeralKey), JsonFields.Base64(_signature));

    public static Decoded<RegistrationResponse> FromJson(RegistrationResponseJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new RegistrationResponse(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.ClientChallenge, "clientChallenge", ProtocolConstants.ChallengeSize),
            JsonFields.Bytes(json.ModuleEphemeralKey, "moduleEphemeralKey", ProtocolConstants.PublicPointSize),
            JsonFields.Bytes(json.Signature, "signature", ProtocolConstants.SignatureSize));
    });
}

/// <summary>
/// Client to module: the HMK and the password, sealed to the module's signed ephemeral key.
/// <code>0x03 | version | meterId (text) | clientEphemeralKey (65) | ciphertext (547) | tag (16)</code>
/// The plaintext is <c>version (1) | HMK (32) | password length (u16) | password UTF-8, zero-padded to 512</c>, so
/// every envelope has the same size whatever the password. Key schedule in <see cref="RegistrationClient"/>.
/// </summary>
public sealed class RegistrationEnvelope
{
    public const int PlaintextSize = 1 + ProtocolConstants.HmkSize + Passwords.PasswordText.PaddedSize;
    public const int TagSize = 16;

    private readonly byte[] _clientEphemeralKey;
    private readonly byte[] _ciphertext;
    private readonly byte[] _tag;

    public RegistrationEnvelope(string meterId, ReadOnlySpan<byte> clientEphemeralKey, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag)
    {
        MeterId = Fields.MeterId(meterId);
        _clientEphemeralKey = Fields.Exact(clientEphemeralKey, ProtocolConstants.PublicPointSize, "clientEphemeralKey");
        if (!EcPoints.IsValid(_clientEphemeralKey)) throw new ArgumentException("not a P-256 point", "clientEphemeralKey");
        _ciphertext = Fields.Exact(ciphertext, PlaintextSize, "ciphertext");
        _tag = Fields.Exact(tag, TagSize, "tag");
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientEphemeralKey => _clientEphemeralKey;
    public ReadOnlyMemory<byte> Ciphertext => _ciphertext;
    public ReadOnlyMemory<byte> Tag => _tag;

    public byte[] Encode() =>
        new WireWriter(700).Header(MessageType.RegistrationEnvelope).Text(MeterId)
            .Fixed(_clientEphemeralKey, ProtocolConstants.PublicPointSize)
            .Fixed(_ciphertext, PlaintextSize)
            .Fixed(_tag, TagSize).ToArray();

    public static Decoded<RegistrationEnvelope> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.RegistrationEnvelope);
            var meterId = r.Text("meterId");
            var key = r.Fixed(ProtocolConstants.PublicPointSize, "clientEphemeralKey");
            var ciphertext = r.Fixed(PlaintextSize, "ciphertext");
            var tag = r.Fixed(TagSize, "tag");
            r.End();
            return new RegistrationEnvelope(meterId, key, ciphertext, tag);
        });
    }

    public RegistrationEnvelopeJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_clientEphemeralKey), JsonFields.Base64(_ciphertext), JsonFields.Base64(_tag));

    public static Decoded<RegistrationEnvelope> FromJson(RegistrationEnvelopeJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new RegistrationEnvelope(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.ClientEphemeralKey, "clientEphemeralKey", ProtocolConstants.PublicPointSize),
            JsonFields.Bytes(json.Ciphertext, "ciphertext", PlaintextSize),
            JsonFields.Bytes(json.Tag, "tag", TagSize));
    });
}

/// <summary>The JSON form of <see cref="RegistrationRequest"/>; bytes are standard base64.</summary>
public sealed record RegistrationRequestJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("clientChallenge")] string? ClientChallenge);

/// <summary>The JSON form of <see cref="RegistrationResponse"/>; bytes are standard base64.</summary>
public sealed record RegistrationResponseJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("clientChallenge")] string? ClientChallenge,
    [property: JsonPropertyName("moduleEphemeralKey")] string? ModuleEphemeralKey,
    [property: JsonPropertyName("signature")] string? Signature);

/// <summary>The JSON form of <see cref="RegistrationEnvelope"/>; bytes are standard base64.</summary>
public sealed record RegistrationEnvelopeJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("clientEphemeralKey")] string? ClientEphemeralKey,
    [property: JsonPropertyName("ciphertext")] string? Ciphertext,
    [property: JsonPropertyName("tag")] string? Tag);
