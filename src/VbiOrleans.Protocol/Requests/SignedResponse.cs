using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Requests;

/// <summary>
/// The module's answer to an authenticated request: how it ended, the registers after it, the next challenge and the
/// hash of the result payload (for a print, the issued indicium as the API returns it), under an HMAC with the HMK,
/// so the client can trust the answer and advance its <see cref="Sessions.ChallengeChain"/>.
/// <code>
/// 0x07 | version | meterId (text) | sessionId (16) | requestMac (32) | outcome (i32) | ascendingMills (i64)
///      | descendingMills (i64) | nextChallenge (32) | payloadHash (32) | mac (32)
/// </code>
/// mac = HMAC-SHA256(HMK, tag("VBI-RESP-V1") | every byte before the mac). <see cref="Outcome"/> is the server's error
/// code number: 0 (None) when the transaction executed, else the refusal (InsufficientFunds, RegistersMismatch, …);
/// either way the challenge was consumed and <see cref="NextChallenge"/> is the one to use next.
/// </summary>
public sealed class SignedResponse
{
    private readonly byte[] _sessionId;
    private readonly byte[] _requestMac;
    private readonly byte[] _nextChallenge;
    private readonly byte[] _payloadHash;
    private readonly byte[] _mac;

    public SignedResponse(string meterId, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> requestMac, int outcome, long ascendingMills,
        long descendingMills, ReadOnlySpan<byte> nextChallenge, ReadOnlySpan<byte> payloadHash, ReadOnlySpan<byte> mac)
    {
        MeterId = Fields.MeterId(meterId);
        _sessionId = Fields.Exact(sessionId, ProtocolConstants.SessionIdSize, "sessionId");
        _requestMac = Fields.Exact(requestMac, ProtocolConstants.MacSize, "requestMac");
        Outcome = outcome >= 0 ? outcome : throw new ArgumentException("an outcome code is never negative", nameof(outcome));
        AscendingMills = Fields.Register(ascendingMills, "ascendingMills");
        DescendingMills = Fields.Register(descendingMills, "descendingMills");
        _nextChallenge = Fields.Exact(nextChallenge, ProtocolConstants.ChallengeSize, "nextChallenge");
        _payloadHash = Fields.Exact(payloadHash, ProtocolConstants.HashSize, "payloadHash");
        _mac = Fields.Exact(mac, ProtocolConstants.MacSize, "mac");
    }

    public int Version => ProtocolConstants.Version;
    public string MeterId { get; }
    public ReadOnlyMemory<byte> SessionId => _sessionId;
    public ReadOnlyMemory<byte> RequestMac => _requestMac;
    public int Outcome { get; }
    public bool Executed => Outcome == 0;
    public long AscendingMills { get; }
    public long DescendingMills { get; }
    public ReadOnlyMemory<byte> NextChallenge => _nextChallenge;
    public ReadOnlyMemory<byte> PayloadHash => _payloadHash;
    public ReadOnlyMemory<byte> Mac => _mac;

    public byte[] Encode() =>
        Unsigned(MeterId, _sessionId, _requestMac, Outcome, AscendingMills, DescendingMills, _nextChallenge, _payloadHash)
            .Fixed(_mac, ProtocolConstants.MacSize).ToArray();

    internal static WireWriter Unsigned(string meterId, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> requestMac, int outcome,
        long ascendingMills, long descendingMills, ReadOnlySpan<byte> nextChallenge, ReadOnlySpan<byte> payloadHash) =>
        new WireWriter(256).Header(MessageType.SignedResponse).Text(meterId)
            .Fixed(sessionId, ProtocolConstants.SessionIdSize)
            .Fixed(requestMac, ProtocolConstants.MacSize)
            .I32(outcome).I64(ascendingMills).I64(descendingMills)
            .Fixed(nextChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(payloadHash, ProtocolConstants.HashSize);

    internal byte[] MacInput() =>
        new WireWriter(300).Tag(ProtocolConstants.ResponseTag)
            .Raw(Unsigned(MeterId, _sessionId, _requestMac, Outcome, AscendingMills, DescendingMills, _nextChallenge, _payloadHash).Written).ToArray();

    public static Decoded<SignedResponse> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.SignedResponse);
            var response = new SignedResponse(r.Text("meterId"), r.Fixed(ProtocolConstants.SessionIdSize, "sessionId"),
                r.Fixed(ProtocolConstants.MacSize, "requestMac"), r.I32("outcome"), r.I64("ascendingMills"), r.I64("descendingMills"),
                r.Fixed(ProtocolConstants.ChallengeSize, "nextChallenge"), r.Fixed(ProtocolConstants.HashSize, "payloadHash"),
                r.Fixed(ProtocolConstants.MacSize, "mac"));
            r.End();
            return response;
        });
    }

    public SignedResponseJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_sessionId), JsonFields.Base64(_requestMac), Outcome, AscendingMills,
            DescendingMills, JsonFields.Base64(_nextChallenge), JsonFields.Base64(_payloadHash), JsonFields.Base64(_mac));

    public static Decoded<SignedResponse> FromJson(SignedResponseJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new SignedResponse(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.SessionId, "sessionId", ProtocolConstants.SessionIdSize),
            JsonFields.Bytes(json.RequestMac, "requestMac", ProtocolConstants.MacSize),
            json.Outcome, json.AscendingMills, json.DescendingMills,
            JsonFields.Bytes(json.NextChallenge, "nextChallenge", ProtocolConstants.ChallengeSize),
            JsonFields.Bytes(json.PayloadHash, "payloadHash", ProtocolConstants.HashSize),
            JsonFields.Bytes(json.Mac, "mac", ProtocolConstants.MacSize));
    });
}

/// <summary>The JSON form of <see cref="SignedResponse"/>; bytes are standard base64.</summary>
public sealed record SignedResponseJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("sessionId")] string? SessionId,
    [property: JsonPropertyName("requestMac")] string? RequestMac,
    [property: JsonPropertyName("outcome")] int Outcome,
    [property: JsonPropertyName("ascendingMills")] long AscendingMills,
    [property: JsonPropertyName("descendingMills")] long DescendingMills,
    [property: JsonPropertyName("nextChallenge")] string? NextChallenge,
    [property: JsonPropertyName("payloadHash")] string? PayloadHash,
    [property: JsonPropertyName("mac")] string? Mac);
