using System.Security.Cryptography;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Sessions;

/// <summary>How long sessions live and how many consumed exchanges the module remembers for retries.</summary>
public sealed record SessionOptions
{
    public static readonly SessionOptions Default = new();

    /// <summary>A session ends after this long without a request.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after its login, however busy.</summary>
    public TimeSpan MaxLifetime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>How many consumed exchanges are kept with their responses (newest first), 1 to 64.</summary>
    public int RetainedExchanges { get; init; } = 4;
}

/// <summary>
/// One consumed challenge: the request that consumed it (its idempotency key and MAC) and the signed response and
/// payload the module answered with. A retry of exactly that request gets exactly that answer again.
/// </summary>
public sealed class ModuleExchange
{
    private readonly byte[] _challenge;
    private readonly byte[] _requestMac;
    private readonly byte[] _payload;

    public ModuleExchange(ReadOnlySpan<byte> challenge, string idempotencyKey, ReadOnlySpan<byte> requestMac, SignedResponse response, ReadOnlySpan<byte> payload)
    {
        _challenge = Fields.Exact(challenge, ProtocolConstants.ChallengeSize, "challenge");
        IdempotencyKey = Fields.IdempotencyKey(idempotencyKey);
        _requestMac = Fields.Exact(requestMac, ProtocolConstants.MacSize, "requestMac");
        Response = response ?? throw new ArgumentException("a response is required", nameof(response));
        if (!Fields.Equal(response.RequestMac.Span, _requestMac)) throw new ArgumentException("the response answers another request", nameof(response));
        _payload = payload.ToArray();
    }

    public ReadOnlyMemory<byte> Challenge => _challenge;
    public string IdempotencyKey { get; }
    public ReadOnlyMemory<byte> RequestMac => _requestMac;
    public SignedResponse Response { get; }
    public ReadOnlyMemory<byte> Payload => _payload;
}

/// <summary>The module's reply to a request: the signed response and the session after it.</summary>
public sealed record ModuleReply(SignedResponse Response, ModuleSession Session);

/// <summary>
/// The module's side of an operational session (seed FIG. 7): which meter, the session id, the challenge it issued
/// last and has not seen used, and the exchanges it has answered. Immutable: every step returns the next session,
/// which the meter's single activation keeps (in memory, or through <see cref="Encode"/>). One session per meter: a
/// new login replaces the previous one.
/// <code>
/// 0x42 | version | meterId (text) | sessionId (16) | currentChallenge (32) | startedAt (i64 ms) | expiresAt (i64 ms)
///      | count (u16) | count x [challenge (32) | idempotencyKey (text) | requestMac (32) | response (u16 length | SignedResponse) | payload (u32 length | bytes)]
/// </code>
/// </summary>
public sealed class ModuleSession
{
    private readonly byte[] _sessionId;
    private readonly byte[] _currentChallenge;

    public ModuleSession(string meterId, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> currentChallenge, DateTimeOffset startedAt,
        DateTimeOffset expiresAt, IReadOnlyList<ModuleExchange> exchanges)
    {
        MeterId = Fields.MeterId(meterId);
        _sessionId = Fields.Exact(sessionId, ProtocolConstants.SessionIdSize, "sessionId");
        _currentChallenge = Fields.Exact(currentChallenge, ProtocolConstants.ChallengeSize, "currentChallenge");
        StartedAt = startedAt;
        ExpiresAt = expiresAt >= startedAt ? expiresAt : throw new ArgumentException("a session expires after it starts", nameof(expiresAt));
        Exchanges = exchanges?.ToArray() ?? throw new ArgumentException("exchanges are required", nameof(exchanges));
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> SessionId => _sessionId;
    public ReadOnlyMemory<byte> CurrentChallenge => _currentChallenge;
    public DateTimeOffset StartedAt { get; }
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Consumed exchanges, newest first.</summary>
    public IReadOnlyList<ModuleExchange> Exchanges { get; }

    /// <summary>A new session: a random session id and a first challenge.</summary>
    public static ModuleSession Start(string meterId, DateTimeOffset now, SessionOptions? options = null, RandomNumberGenerator? rng = null)
    {
        options = Check(options);
        return new ModuleSession(meterId, Fields.Random(ProtocolConstants.SessionIdSize, rng), Fields.Random(ProtocolConstants.ChallengeSize, rng),
            now, Expiry(now, now, options), []);
    }

    /// <summary>
    /// Answers a request that <see cref="RequestAuthenticator.Verify"/> found <see cref="RequestVerdict.Ok"/> (after
    /// executing it) or <see cref="RequestVerdict.RegisterMismatch"/>: signs the response with a fresh next challenge
    /// and returns it with the session that has consumed the request's challenge. Throws
    /// <see cref="InvalidOperationException"/> when the request is not on this session's current challenge.
    /// </summary>
    public ModuleReply Reply(ReadOnlySpan<byte> hmk, SignedRequest request, int outcome, long ascendingMills, long descendingMills,
        ReadOnlySpan<byte> payload, DateTimeOffset now, SessionOptions? options = null, RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        options = Check(options);
        if (!string.Equals(request.MeterId, MeterId, StringComparison.Ordinal) || !Fields.Equal(request.SessionId.Span, _sessionId)
            || !Fields.Equal(request.Challenge.Span, _currentChallenge))
            throw new InvalidOperationException("the request is not on this session's current challenge; verify it first");

        var next = Fields.Random(ProtocolConstants.ChallengeSize, rng);
        var response = ResponseAuthenticator.Sign(hmk, request, outcome, ascendingMills, descendingMills, next, payload);
        var exchange = new ModuleExchange(_currentChallenge, request.IdempotencyKey, request.Mac.Span, response, payload);
        var session = new ModuleSession(MeterId, _sessionId, next, StartedAt, Expiry(StartedAt, now, options),
            [exchange, .. Exchanges.Take(options.RetainedExchanges - 1)]);
        return new ModuleReply(response, session);
    }

    /// <summary>
    /// The session as it was before its newest exchange: that exchange's challenge is current again and its answer is
    /// forgotten. For a module that rolled the exchange's transaction back (it never reached the log, so it was never
    /// released): the client's request, sent again, runs again instead of being answered with what never happened.
    /// </summary>
    public ModuleSession WithoutNewestExchange() =>
        Exchanges.Count == 0 ? this : new ModuleSession(MeterId, _sessionId, Exchanges[0].Challenge.Span, StartedAt, ExpiresAt, [.. Exchanges.Skip(1)]);

    public byte[] Encode()
    {
        var w = new WireWriter(512).Header(MessageType.ModuleSession).Text(MeterId)
            .Fixed(_sessionId, ProtocolConstants.SessionIdSize)
            .Fixed(_currentChallenge, ProtocolConstants.ChallengeSize)
            .I64(StartedAt.ToUnixTimeMilliseconds()).I64(ExpiresAt.ToUnixTimeMilliseconds())
            .U16(checked((ushort)Exchanges.Count));
        foreach (var e in Exchanges)
        {
            w.Fixed(e.Challenge.Span, ProtocolConstants.ChallengeSize).Text(e.IdempotencyKey).Fixed(e.RequestMac.Span, ProtocolConstants.MacSize)
                .Blob(e.Response.Encode()).LongBlob(e.Payload.Span);
        }
        return w.ToArray();
    }

    public static Decoded<ModuleSession> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.ModuleSession);
            var meterId = r.Text("meterId");
            var sessionId = r.Fixed(ProtocolConstants.SessionIdSize, "sessionId");
            var challenge = r.Fixed(ProtocolConstants.ChallengeSize, "currentChallenge");
            var started = Time(r.I64("startedAt"), "startedAt");
            var expires = Time(r.I64("expiresAt"), "expiresAt");
            var count = r.U16("exchanges");
            var exchanges = new List<ModuleExchange>(count);
            for (var i = 0; i < count; i++)
            {
                var c = r.Fixed(ProtocolConstants.ChallengeSize, "exchanges.challenge");
                var key = r.Text("exchanges.idempotencyKey");
                var mac = r.Fixed(ProtocolConstants.MacSize, "exchanges.requestMac");
                var response = SignedResponse.Decode(r.Blob("exchanges.response"));
                if (!response.IsSuccess) throw new WireFormatException(response.Error, "exchanges.response." + response.Field);
                exchanges.Add(new ModuleExchange(c, key, mac, response.Value, r.LongBlob("exchanges.payload")));
            }
            r.End();
            return new ModuleSession(meterId, sessionId, challenge, started, expires, exchanges);
        });
    }

    private static DateTimeOffset Time(long unixMs, string field) =>
        unixMs is >= -62_135_596_800_000 and <= 253_402_300_799_999 ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs) : throw WireFormatException.Invalid(field);

    private static DateTimeOffset Expiry(DateTimeOffset startedAt, DateTimeOffset now, SessionOptions options)
    {
        var idle = now + options.IdleTimeout;
        var cap = startedAt + options.MaxLifetime;
        return idle < cap ? idle : cap;
    }

    private static SessionOptions Check(SessionOptions? options)
    {
        options ??= SessionOptions.Default;
        if (options.IdleTimeout <= TimeSpan.Zero || options.MaxLifetime <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "session timeouts are positive");
        if (options.RetainedExchanges is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(options), "from 1 to 64 retained exchanges");
        return options;
    }
}
