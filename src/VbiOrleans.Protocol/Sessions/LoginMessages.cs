using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Sessions;

/// <summary>
/// Client to module: opens a session. The password travels sealed under a key derived from the HMK, so only the
/// module (which holds the HMK in the PSD package) reads it, and a login proves possession of the HMK as well as the
/// password.
/// <code>0x04 | version | meterId (text) | clientChallenge (32) | sealedPassword (514) | tag (16)</code>
/// key (32) || nonce (12) = HKDF-SHA256(IKM = HMK, salt = clientChallenge, info = tag("VBI-LOGIN-KEY-V1") | meterId);
/// AES-256-GCM over the padded password (u16 length, UTF-8, zeros to 512 bytes) with associated data
/// tag("VBI-LOGIN-V1") | version | meterId | clientChallenge.
/// </summary>
public sealed class LoginRequest
{
    public const int SealedPasswordSize = PasswordText.PaddedSize;
    public const int TagSize = 16;

    private readonly byte[] _clientChallenge;
    private readonly byte[] _sealedPassword;
    private readonly byte[] _tag;

    public LoginRequest(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> sealedPassword, ReadOnlySpan<byte> tag)
    {
        MeterId = Fields.MeterId(meterId);
        _clientChallenge = Fields.Exact(clientChallenge, ProtocolConstants.ChallengeSize, "clientChallenge");
        _sealedPassword = Fields.Exact(sealedPassword, SealedPasswordSize, "sealedPassword");
        _tag = Fields.Exact(tag, TagSize, "tag");
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientChallenge => _clientChallenge;
    public ReadOnlyMemory<byte> SealedPassword => _sealedPassword;
    public ReadOnlyMemory<byte> Tag => _tag;

    public byte[] Encode() =>
        new WireWriter(600).Header(MessageType.LoginRequest).Text(MeterId)
            .Fixed(_clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(_sealedPassword, SealedPasswordSize)
            .Fixed(_tag, TagSize).ToArray();

    public static Decoded<LoginRequest> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.LoginRequest);
            var request = new LoginRequest(r.Text("meterId"), r.Fixed(ProtocolConstants.ChallengeSize, "clientChallenge"),
                r.Fixed(SealedPasswordSize, "sealedPassword"), r.Fixed(TagSize, "tag"));
            r.End();
            return request;
        });
    }

    public LoginRequestJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_clientChallenge), JsonFields.Base64(_sealedPassword), JsonFields.Base64(_tag));

    public static Decoded<LoginRequest> FromJson(LoginRequestJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new LoginRequest(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.ClientChallenge, "clientChallenge", ProtocolConstants.ChallengeSize),
            JsonFields.Bytes(json.SealedPassword, "sealedPassword", SealedPasswordSize),
            JsonFields.Bytes(json.Tag, "tag", TagSize));
    });
}

/// <summary>
/// Module to client after a successful login (seed FIG. 7, 82): the new session id, the first challenge and the
/// module's registers, under an HMAC with the HMK that also covers the client's challenge, so the client knows the
/// module (the holder of its HMK) answered this login.
/// <code>
/// 0x05 | version | meterId (text) | clientChallenge (32) | sessionId (16) | challenge (32) | ascendingMills (i64)
///      | descendingMills (i64) | mac (32)
/// </code>
/// mac = HMAC-SHA256(HMK, tag("VBI-LOGIN-RESP-V1") | every byte before the mac).
/// </summary>
public sealed class LoginResponse
{
    private readonly byte[] _clientChallenge;
    private readonly byte[] _sessionId;
    private readonly byte[] _challenge;
    private readonly byte[] _mac;

    public LoginResponse(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> challenge,
        long ascendingMills, long descendingMills, ReadOnlySpan<byte> mac)
    {
        MeterId = Fields.MeterId(meterId);
        _clientChallenge = Fields.Exact(clientChallenge, ProtocolConstants.ChallengeSize, "clientChallenge");
        _sessionId = Fields.Exact(sessionId, ProtocolConstants.SessionIdSize, "sessionId");
        _challenge = Fields.Exact(challenge, ProtocolConstants.ChallengeSize, "challenge");
        AscendingMills = Fields.Register(ascendingMills, "ascendingMills");
        DescendingMills = Fields.Register(descendingMills, "descendingMills");
        _mac = Fields.Exact(mac, ProtocolConstants.MacSize, "mac");
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientChallenge => _clientChallenge;
    public ReadOnlyMemory<byte> SessionId => _sessionId;
    public ReadOnlyMemory<byte> Challenge => _challenge;
    public long AscendingMills { get; }
    public long DescendingMills { get; }
    public ReadOnlyMemory<byte> Mac => _mac;

    public byte[] Encode() =>
        Unsigned(MeterId, _clientChallenge, _sessionId, _challenge, AscendingMills, DescendingMills).Fixed(_mac, ProtocolConstants.MacSize).ToArray();

    internal static WireWriter Unsigned(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> challenge,
        long ascendingMills, long descendingMills) =>
        new WireWriter(200).Header(MessageType.LoginResponse).Text(meterId)
            .Fixed(clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(sessionId, ProtocolConstants.SessionIdSize)
            .Fixed(challenge, ProtocolConstants.ChallengeSize)
            .I64(ascendingMills).I64(descendingMills);

    internal byte[] MacInput() =>
        new WireWriter(220).Tag(ProtocolConstants.LoginResponseTag)
            .Raw(Unsigned(MeterId, _clientChallenge, _sessionId, _challenge, AscendingMills, DescendingMills).Written).ToArray();

    public static Decoded<LoginResponse> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.LoginResponse);
            var response = new LoginResponse(r.Text("meterId"), r.Fixed(ProtocolConstants.ChallengeSize, "clientChallenge"),
                r.Fixed(ProtocolConstants.SessionIdSize, "sessionId"), r.Fixed(ProtocolConstants.ChallengeSize, "challenge"),
                r.I64("ascendingMills"), r.I64("descendingMills"), r.Fixed(ProtocolConstants.MacSize, "mac"));
            r.End();
            return response;
        });
    }

    public LoginResponseJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_clientChallenge), JsonFields.Base64(_sessionId), JsonFields.Base64(_challenge),
            AscendingMills, DescendingMills, JsonFields.Base64(_mac));

    public static Decoded<LoginResponse> FromJson(LoginResponseJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new LoginResponse(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.ClientChallenge, "clientChallenge", ProtocolConstants.ChallengeSize),
            JsonFields.Bytes(json.SessionId, "sessionId", ProtocolConstants.SessionIdSize),
            JsonFields.Bytes(json.Challenge, "challenge", ProtocolConstants.ChallengeSize),
            json.AscendingMills, json.DescendingMills,
            JsonFields.Bytes(json.Mac, "mac", ProtocolConstants.MacSize));
    });
}

/// <summary>The JSON form of <see cref="LoginRequest"/>; bytes are standard base64.</summary>
public sealed record LoginRequestJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("clientChallenge")] string? ClientChallenge,
    [property: JsonPropertyName("sealedPassword")] string? SealedPassword,
    [property: JsonPropertyName("tag")] string? Tag);

/// <summary>The JSON form of <see cref="LoginResponse"/>; bytes are standard base64.</summary>
public sealed record LoginResponseJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("clientChallenge")] string? ClientChallenge,
    [property: JsonPropertyName("sessionId")] string? SessionId,
    [property: JsonPropertyName("challenge")] string? Challenge,
    [property: JsonPropertyName("ascendingMills")] long AscendingMills,
    [property: JsonPropertyName("descendingMills")] long DescendingMills,
    [property: JsonPropertyName("mac")] string? Mac);
