using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Requests;

/// <summary>
/// A money-moving request in the operational state (seed FIG. 7, 83 to 85): the module's last challenge, the client's
/// record of the registers, the transaction and the idempotency key, all under one HMAC with the HMK.
/// <code>
/// 0x06 | version | meterId (text) | sessionId (16) | challenge (32) | ascendingMills (i64) | descendingMills (i64)
///      | idempotencyKey (text) | transaction (u16 length | TransactionBody encoding) | mac (32)
/// </code>
/// mac = HMAC-SHA256(HMK, tag("VBI-REQ-V1") | every byte before the mac). Build one with
/// <see cref="RequestAuthenticator.Sign"/> or <see cref="Sessions.ChallengeChain.Sign"/>; check one with
/// <see cref="RequestAuthenticator.Verify"/>.
/// </summary>
public sealed class SignedRequest
{
    private readonly byte[] _sessionId;
    private readonly byte[] _challenge;
    private readonly byte[] _mac;

    public SignedRequest(string meterId, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> challenge, long ascendingMills, long descendingMills,
        string idempotencyKey, TransactionBody transaction, ReadOnlySpan<byte> mac)
    {
        MeterId = Fields.MeterId(meterId);
        _sessionId = Fields.Exact(sessionId, ProtocolConstants.SessionIdSize, "sessionId");
        _challenge = Fields.Exact(challenge, ProtocolConstants.ChallengeSize, "challenge");
        AscendingMills = Fields.Register(ascendingMills, "ascendingMills");
        DescendingMills = Fields.Register(descendingMills, "descendingMills");
        IdempotencyKey = Fields.IdempotencyKey(idempotencyKey);
        Transaction = transaction ?? throw new ArgumentException("a transaction is required", nameof(transaction));
        _mac = Fields.Exact(mac, ProtocolConstants.MacSize, "mac");
    }

    public int Version => ProtocolConstants.Version;
    public string MeterId { get; }
    public ReadOnlyMemory<byte> SessionId => _sessionId;
    public ReadOnlyMemory<byte> Challenge => _challenge;
    public long AscendingMills { get; }
    public long DescendingMills { get; }
    public string IdempotencyKey { get; }
    public TransactionBody Transaction { get; }
    public ReadOnlyMemory<byte> Mac => _mac;

    public byte[] Encode() => Unsigned(MeterId, _sessionId, _challenge, AscendingMills, DescendingMills, IdempotencyKey, Transaction)
        .Fixed(_mac, ProtocolConstants.MacSize).ToArray();

    /// <summary>The encoding without the MAC: what the MAC covers, after its tag.</summary>
    internal static WireWriter Unsigned(string meterId, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> challenge, long ascendingMills,
        long descendingMills, string idempotencyKey, TransactionBody transaction)
    {
        var w = new WireWriter(320).Header(MessageType.SignedRequest).Text(meterId)
            .Fixed(sessionId, ProtocolConstants.SessionIdSize)
            .Fixed(challenge, ProtocolConstants.ChallengeSize)
            .I64(ascendingMills).I64(descendingMills)
            .Text(idempotencyKey);
        return w.Blob(transaction.Encode());
    }

    /// <summary>What the MAC is computed over: tag("VBI-REQ-V1") then the encoding without the MAC.</summary>
    internal byte[] MacInput() =>
        new WireWriter(340).Tag(ProtocolConstants.RequestTag)
            .Raw(Unsigned(MeterId, _sessionId, _challenge, AscendingMills, DescendingMills, IdempotencyKey, Transaction).Written).ToArray();

    public static Decoded<SignedRequest> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.SignedRequest);
            var meterId = r.Text("meterId");
            var sessionId = r.Fixed(ProtocolConstants.SessionIdSize, "sessionId");
            var challenge = r.Fixed(ProtocolConstants.ChallengeSize, "challenge");
            var ascending = r.I64("ascendingMills");
            var descending = r.I64("descendingMills");
            var key = r.Text("idempotencyKey");
            var transaction = TransactionBody.Read(r.Blob("transaction"));
            var mac = r.Fixed(ProtocolConstants.MacSize, "mac");
            r.End();
            return new SignedRequest(meterId, sessionId, challenge, ascending, descending, key, transaction, mac);
        });
    }

    public SignedRequestJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_sessionId), JsonFields.Base64(_challenge), AscendingMills, DescendingMills,
            IdempotencyKey, Transaction.ToJson(), JsonFields.Base64(_mac));

    /// <summary>
    /// From the JSON form. The MAC is over the canonical binary encoding, which the fields determine, so a JSON
    /// request verifies exactly as its binary twin does.
    /// </summary>
    public static Decoded<SignedRequest> FromJson(SignedRequestJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        var transaction = TransactionBody.FromJson(JsonFields.Required(json.Transaction, "transaction"));
        if (!transaction.IsSuccess) throw new WireFormatException(transaction.Error, "transaction." + transaction.Field);
        return new SignedRequest(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.SessionId, "sessionId", ProtocolConstants.SessionIdSize),
            JsonFields.Bytes(json.Challenge, "challenge", ProtocolConstants.ChallengeSize),
            json.AscendingMills, json.DescendingMills,
            JsonFields.Required(json.IdempotencyKey, "idempotencyKey"),
            transaction.Value,
            JsonFields.Bytes(json.Mac, "mac", ProtocolConstants.MacSize));
    });
}

/// <summary>The JSON form of <see cref="SignedRequest"/>; bytes are standard base64.</summary>
public sealed record SignedRequestJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("sessionId")] string? SessionId,
    [property: JsonPropertyName("challenge")] string? Challenge,
    [property: JsonPropertyName("ascendingMills")] long AscendingMills,
    [property: JsonPropertyName("descendingMills")] long DescendingMills,
    [property: JsonPropertyName("idempotencyKey")] string? IdempotencyKey,
    [property: JsonPropertyName("transaction")] TransactionBodyJson? Transaction,
    [property: JsonPropertyName("mac")] string? Mac);
