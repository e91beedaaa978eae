using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Requests;

/// <summary>
/// The module's verdict on a signed request, in the order the checks run. Stable names; new ones are added at the end.
/// </summary>
public enum RequestVerdict
{
    /// <summary>Authentic, this session's current challenge, the registers match: execute.</summary>
    Ok = 0,
    /// <summary>The MAC does not verify under the meter's HMK: some byte was changed, or another key signed it.</summary>
    BadMac = 1,
    /// <summary>Authentic, but no such session for this meter (never opened, replaced by a newer login, or lost): log in again.</summary>
    UnknownSession = 2,
    /// <summary>Authentic, but the challenge was already consumed by a different request (another key or body): a replay, refused.</summary>
    StaleChallenge = 3,
    /// <summary>Authentic, but the challenge is neither the current one nor a recently consumed one.</summary>
    WrongChallenge = 4,
    /// <summary>Authentic and current, but the client's AR or DR differ from the module's. The challenge is consumed and
    /// the signed response carries the module's registers, so the client can resynchronize.</summary>
    RegisterMismatch = 5,
    /// <summary>An exact retry of a consumed exchange (same challenge, same idempotency key, same MAC): answer with the
    /// stored response, execute nothing.</summary>
    Retry = 6,
    /// <summary>Authentic, but the session has passed its idle timeout or maximum lifetime: log in again.</summary>
    SessionExpired = 7,
}

/// <summary>The verdict, and for <see cref="RequestVerdict.Retry"/> the stored exchange to answer with.</summary>
public sealed record RequestVerification(RequestVerdict Verdict, ModuleExchange? StoredExchange = null)
{
    /// <summary>True when the module must answer with a signed response that consumes the challenge: Ok and RegisterMismatch.</summary>
    public bool ConsumesChallenge => Verdict is RequestVerdict.Ok or RequestVerdict.RegisterMismatch;
}

/// <summary>Signs requests (client) and verifies them (module). See docs/client-protocol.md, "Operational state".</summary>
public static class RequestAuthenticator
{
    public static SignedRequest Sign(ReadOnlySpan<byte> hmk, string meterId, ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> challenge,
        long ascendingMills, long descendingMills, string idempotencyKey, TransactionBody transaction)
    {
        var unsigned = new SignedRequest(meterId, sessionId, challenge, ascendingMills, descendingMills, idempotencyKey, transaction,
            new byte[ProtocolConstants.MacSize]);
        return new SignedRequest(meterId, sessionId, challenge, ascendingMills, descendingMills, idempotencyKey, transaction,
            Fields.Mac(hmk, unsigned.MacInput()));
    }

    /// <summary>
    /// The module's checks, in this order:
    /// <list type="number">
    /// <item>the MAC under the meter's HMK, in constant time (everything below is told only to a holder of the HMK);</item>
    /// <item>the session: <paramref name="session"/> is the meter's open session and the request names it, and it has not expired;</item>
    /// <item>the challenge: the current one (go on), a consumed one with the same idempotency key and MAC
    /// (<see cref="RequestVerdict.Retry"/>), a consumed one with anything else (<see cref="RequestVerdict.StaleChallenge"/>),
    /// or none (<see cref="RequestVerdict.WrongChallenge"/>);</item>
    /// <item>the registers: the client's AR and DR equal the module's (taken from the opened PSD package).</item>
    /// </list>
    /// </summary>
    public static RequestVerification Verify(SignedRequest request, ReadOnlySpan<byte> hmk, ModuleSession? session,
        long moduleAscendingMills, long moduleDescendingMills, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Fields.Equal(Fields.Mac(hmk, request.MacInput()), request.Mac.Span)) return new(RequestVerdict.BadMac);

        if (session is null
            || !string.Equals(session.MeterId, request.MeterId, StringComparison.Ordinal)
            || !Fields.Equal(session.SessionId.Span, request.SessionId.Span))
            return new(RequestVerdict.UnknownSession);
        if (now > session.ExpiresAt) return new(RequestVerdict.SessionExpired);

        if (!Fields.Equal(session.CurrentChallenge.Span, request.Challenge.Span))
        {
            foreach (var exchange in session.Exchanges)
            {
                if (!Fields.Equal(exchange.Challenge.Span, request.Challenge.Span)) continue;
                var same = string.Equals(exchange.IdempotencyKey, request.IdempotencyKey, StringComparison.Ordinal)
                    && Fields.Equal(exchange.RequestMac.Span, request.Mac.Span);
                return same ? new(RequestVerdict.Retry, exchange) : new(RequestVerdict.StaleChallenge);
            }
            return new(RequestVerdict.WrongChallenge);
        }

        return request.AscendingMills == moduleAscendingMills && request.DescendingMills == moduleDescendingMills
            ? new(RequestVerdict.Ok)
            : new(RequestVerdict.RegisterMismatch);
    }
}
