using System.Security.Cryptography;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Sessions;

/// <summary>A snapshot of a <see cref="ChallengeChain"/>: the session, the challenge to sign with next and the client's registers.</summary>
public sealed class ChainState
{
    private readonly byte[] _sessionId;
    private readonly byte[] _challenge;

    public ChainState(ReadOnlySpan<byte> sessionId, ReadOnlySpan<byte> challenge, long ascendingMills, long descendingMills)
    {
        _sessionId = Fields.Exact(sessionId, ProtocolConstants.SessionIdSize, "sessionId");
        _challenge = Fields.Exact(challenge, ProtocolConstants.ChallengeSize, "challenge");
        AscendingMills = Fields.Register(ascendingMills, "ascendingMills");
        DescendingMills = Fields.Register(descendingMills, "descendingMills");
    }

    public ReadOnlyMemory<byte> SessionId => _sessionId;
    public ReadOnlyMemory<byte> Challenge => _challenge;
    public long AscendingMills { get; }
    public long DescendingMills { get; }
}

/// <summary>
/// The client's side of the operational state (seed FIG. 7): the HMK, the session, the module's last challenge and the
/// client's record of AR and DR. <see cref="Sign"/> signs a transaction on the current state; <see cref="Apply"/>
/// moves the state on, and only from a response that verifies under the HMK and answers a request signed on the
/// current state. Signing is deterministic, so signing the same transaction with the same idempotency key again
/// before a response is applied gives byte-identical request: that is the retry after a lost response.
/// Thread-safe: one lock guards the state.
/// </summary>
public sealed class ChallengeChain : IDisposable
{
    private readonly Lock _gate = new();
    private readonly byte[] _hmk;
    private ChainState _state;
    private bool _disposed;

    private ChallengeChain(string meterId, byte[] hmk, ChainState state)
    {
        MeterId = meterId;
        _hmk = hmk;
        _state = state;
    }

    /// <summary>A chain from a state the client kept (for example across a restart of the CLI). <see cref="LoginClient.Complete"/> makes the first one.</summary>
    public static ChallengeChain Resume(string meterId, ReadOnlySpan<byte> hmk, ChainState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new ChallengeChain(Fields.MeterId(meterId), Fields.Exact(hmk, ProtocolConstants.HmkSize, nameof(hmk)), state);
    }

    public string MeterId { get; }

    public ChainState State
    {
        get
        {
            lock (_gate) return _state;
        }
    }

    /// <summary>A request for <paramref name="transaction"/> on the current challenge and registers.</summary>
    public SignedRequest Sign(TransactionBody transaction, string idempotencyKey)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return RequestAuthenticator.Sign(_hmk, MeterId, _state.SessionId.Span, _state.Challenge.Span, _state.AscendingMills,
                _state.DescendingMills, idempotencyKey, transaction);
        }
    }

    /// <summary>
    /// Verifies <paramref name="response"/> as the answer to <paramref name="request"/> (see
    /// <see cref="ResponseAuthenticator.Verify"/>) and, when it is, takes its next challenge and registers. A response
    /// to a request signed on an earlier state gives <see cref="ResponseVerdict.ChainMoved"/> and changes nothing.
    /// </summary>
    public ResponseVerdict Apply(SignedRequest request, SignedResponse response, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var verdict = ResponseAuthenticator.Verify(response, _hmk, request, payload);
            if (verdict != ResponseVerdict.Ok) return verdict;
            if (!string.Equals(request.MeterId, MeterId, StringComparison.Ordinal)
                || !Fields.Equal(request.SessionId.Span, _state.SessionId.Span)
                || !Fields.Equal(request.Challenge.Span, _state.Challenge.Span))
                return ResponseVerdict.ChainMoved;
            _state = new ChainState(_state.SessionId.Span, response.NextChallenge.Span, response.AscendingMills, response.DescendingMills);
            return ResponseVerdict.Ok;
        }
    }

    /// <summary>Clears the HMK from memory.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            CryptographicOperations.ZeroMemory(_hmk);
        }
    }
}
