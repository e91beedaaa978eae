using System.Security.Cryptography;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Requests;

/// <summary>The client's verdict on a signed response. Stable names; new ones are added at the end.</summary>
public enum ResponseVerdict
{
    Ok = 0,
    /// <summary>The MAC does not verify under the HMK: not from the module, or changed on the way.</summary>
    BadMac = 1,
    /// <summary>Authentic, but it answers another request (request MAC, meter or session differ).</summary>
    NotForThisRequest = 2,
    /// <summary>Authentic, but the payload received is not the one the module hashed.</summary>
    PayloadMismatch = 3,
    /// <summary>Authentic and for this request, but the client's chain has already moved past that request's challenge.</summary>
    ChainMoved = 4,
}

/// <summary>Signs responses (module) and verifies them (client).</summary>
public static class ResponseAuthenticator
{
    /// <summary>
    /// The module's answer to <paramref name="request"/>: <paramref name="outcome"/> (0 = executed), the registers after
    /// it, the next challenge and SHA-256 of <paramref name="payload"/> (empty when the outcome carries none).
    /// Prefer <see cref="Sessions.ModuleSession.Reply"/>, which also makes the next challenge and records the exchange.
    /// </summary>
    public static SignedResponse Sign(ReadOnlySpan<byte> hmk, SignedRequest request, int outcome, long ascendingMills, long descendingMills,
        ReadOnlySpan<byte> nextChallenge, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(request);
        var payloadHash = SHA256.HashData(payload);
        var unsigned = new SignedResponse(request.MeterId, request.SessionId.Span, request.Mac.Span, outcome, ascendingMills, descendingMills,
            nextChallenge, payloadHash, new byte[ProtocolConstants.MacSize]);
        return new SignedResponse(request.MeterId, request.SessionId.Span, request.Mac.Span, outcome, ascendingMills, descendingMills,
            nextChallenge, payloadHash, Fields.Mac(hmk, unsigned.MacInput()));
    }

    /// <summary>The MAC (constant time), then that it answers <paramref name="request"/>, then the payload hash.</summary>
    public static ResponseVerdict Verify(SignedResponse response, ReadOnlySpan<byte> hmk, SignedRequest request, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(request);
        if (!Fields.Equal(Fields.Mac(hmk, response.MacInput()), response.Mac.Span)) return ResponseVerdict.BadMac;
        if (!string.Equals(response.MeterId, request.MeterId, StringComparison.Ordinal)
            || !Fields.Equal(response.SessionId.Span, request.SessionId.Span)
            || !Fields.Equal(response.RequestMac.Span, request.Mac.Span))
            return ResponseVerdict.NotForThisRequest;
        return Fields.Equal(SHA256.HashData(payload), response.PayloadHash.Span) ? ResponseVerdict.Ok : ResponseVerdict.PayloadMismatch;
    }
}
