using System.Text;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Sessions;

/// <summary>The operational state end to end (seed FIG. 7): sign, verify, execute, reply, apply; retries and replays.</summary>
public sealed class OperationalStateTests
{
    private const int RegistersMismatchCode = 209; // the server's ErrorCode.RegistersMismatch
    private static readonly TransactionBody Print = TransactionBody.Print(530, "94107", "first-class");
    private static readonly byte[] Indicium = Encoding.UTF8.GetBytes("{\"indiciumId\":\"i-1\",\"data\":\"...\"}");

    /// <summary>What the module does with an Ok request: execute (here: move the registers), reply, keep the next session.</summary>
    private static ModuleReply Execute(Flow f, SignedRequest request, DateTimeOffset now, byte[]? payload = null)
    {
        var verification = RequestAuthenticator.Verify(request, f.Hmk, f.Session, f.Ar, f.Dr, now);
        Assert.Equal(RequestVerdict.Ok, verification.Verdict);
        f.Ar += request.Transaction.AmountMills;
        f.Dr -= request.Transaction.AmountMills;
        var reply = f.Session.Reply(f.Hmk, request, 0, f.Ar, f.Dr, payload ?? Indicium, now);
        f.Session = reply.Session;
        return reply;
    }

    [Fact]
    public void A_print_moves_both_sides_to_the_next_challenge_and_the_new_registers()
    {
        var f = new Flow();
        var before = f.Chain.State;
        var request = f.Chain.Sign(Print, "k-1");
        var reply = Execute(f, request, Keys.T0.AddSeconds(1));

        var response = SignedResponse.FromJson(reply.Response.ToJson()).Value!;
        Assert.Equal(ResponseVerdict.Ok, f.Chain.Apply(request, response, Indicium));
        var after = f.Chain.State;
        Assert.NotEqual(before.Challenge.ToArray(), after.Challenge.ToArray());
        Assert.Equal(f.Session.CurrentChallenge.ToArray(), after.Challenge.ToArray());
        Assert.Equal((5_530L, 94_470L), (after.AscendingMills, after.DescendingMills));

        // The next request goes on the new challenge and verifies; the old one is spent.
        var second = f.Chain.Sign(Print, "k-2");
        Assert.Equal(RequestVerdict.Ok, RequestAuthenticator.Verify(second, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0).Verdict);
    }

    [Fact]
    public void A_session_without_its_newest_exchange_takes_the_request_again_as_new_and_forgets_the_answer()
    {
        var f = new Flow();
        var first = f.Chain.Sign(Print, "k-1");
        var firstReply = Execute(f, first, Keys.T0.AddSeconds(1));
        f.Chain.Apply(first, SignedResponse.FromJson(firstReply.Response.ToJson()).Value!, Indicium);
        var before = f.Session;
        var request = f.Chain.Sign(Print, "k-2");
        Execute(f, request, Keys.T0.AddSeconds(2));
        Assert.Equal(RequestVerdict.Retry, RequestAuthenticator.Verify(request, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0.AddSeconds(3)).Verdict);

        // The module rolled the transaction back (it never reached the log): the session's challenge and exchanges are
        // as before it, so the same request is verified as new, not answered with the reply that was never released.
        var rewound = f.Session.WithoutNewestExchange();
        Assert.Equal(before.CurrentChallenge.ToArray(), rewound.CurrentChallenge.ToArray());
        Assert.Equal(before.Exchanges.Select(e => e.Challenge.ToArray()), rewound.Exchanges.Select(e => e.Challenge.ToArray()));
        f.Ar -= Print.AmountMills;
        f.Dr += Print.AmountMills;
        Assert.Equal(RequestVerdict.Ok, RequestAuthenticator.Verify(request, f.Hmk, rewound, f.Ar, f.Dr, Keys.T0.AddSeconds(3)).Verdict);
        // The earlier exchange is still answered from the session.
        Assert.Equal(RequestVerdict.Retry, RequestAuthenticator.Verify(first, f.Hmk, rewound, f.Ar, f.Dr, Keys.T0.AddSeconds(3)).Verdict);
    }

    [Fact]
    public void A_retry_after_a_lost_response_is_the_same_request_and_gets_the_stored_response()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        var reply = Execute(f, request, Keys.T0.AddSeconds(1));
        // ... the response is lost; the client's chain has not moved, so signing again gives the same bytes.
        var retry = f.Chain.Sign(Print, "k-1");
        Assert.Equal(request.Encode(), retry.Encode());

        var verification = RequestAuthenticator.Verify(retry, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0.AddSeconds(2));
        Assert.Equal(RequestVerdict.Retry, verification.Verdict);
        Assert.False(verification.ConsumesChallenge);
        var stored = verification.StoredExchange!;
        Assert.Equal(reply.Response.Encode(), stored.Response.Encode());
        Assert.Equal(Indicium, stored.Payload.ToArray());
        Assert.Equal(ResponseVerdict.Ok, f.Chain.Apply(retry, stored.Response, stored.Payload.Span));
        Assert.Equal(5_530, f.Chain.State.AscendingMills);
    }

    [Fact]
    public void A_different_request_on_a_consumed_challenge_is_a_replay_and_refused_as_StaleChallenge()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        Execute(f, request, Keys.T0);
        var otherKey = f.Chain.Sign(Print, "k-other");
        var otherBody = f.Chain.Sign(TransactionBody.Print(999, "94107", "first-class"), "k-1");
        Assert.Equal(RequestVerdict.StaleChallenge, RequestAuthenticator.Verify(otherKey, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0).Verdict);
        Assert.Equal(RequestVerdict.StaleChallenge, RequestAuthenticator.Verify(otherBody, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0).Verdict);
    }

    [Fact]
    public void A_challenge_never_issued_is_WrongChallenge_and_a_consumed_one_past_the_window_too()
    {
        var f = new Flow(new SessionOptions { RetainedExchanges = 2 });
        var options = new SessionOptions { RetainedExchanges = 2 };
        var forged = RequestAuthenticator.Sign(f.Hmk, Keys.MeterId, f.Session.SessionId.Span, new byte[32], f.Ar, f.Dr, "k-x", Print);
        Assert.Equal(RequestVerdict.WrongChallenge, RequestAuthenticator.Verify(forged, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0).Verdict);

        var first = f.Chain.Sign(Print, "k-1");
        for (var i = 0; i < 3; i++)
        {
            var r = f.Chain.Sign(Print, $"k-{i + 1}");
            var verification = RequestAuthenticator.Verify(r, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0);
            Assert.Equal(RequestVerdict.Ok, verification.Verdict);
            var reply = f.Session.Reply(f.Hmk, r, 0, f.Ar, f.Dr, [], Keys.T0, options);
            f.Session = reply.Session;
            Assert.Equal(ResponseVerdict.Ok, f.Chain.Apply(r, reply.Response, []));
        }
        Assert.Equal(2, f.Session.Exchanges.Count);
        Assert.Equal(RequestVerdict.WrongChallenge, RequestAuthenticator.Verify(first, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0).Verdict);
    }

    [Fact]
    public void Registers_that_differ_are_refused_and_the_signed_answer_resynchronizes_the_client()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        f.Dr += 10_000; // a PVD the client has not seen
        var verification = RequestAuthenticator.Verify(request, f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0);
        Assert.Equal(RequestVerdict.RegisterMismatch, verification.Verdict);
        Assert.True(verification.ConsumesChallenge);

        var reply = f.Session.Reply(f.Hmk, request, RegistersMismatchCode, f.Ar, f.Dr, [], Keys.T0);
        f.Session = reply.Session;
        Assert.False(reply.Response.Executed);
        Assert.Equal(ResponseVerdict.Ok, f.Chain.Apply(request, reply.Response, []));
        Assert.Equal(f.Dr, f.Chain.State.DescendingMills);
        Assert.Equal(RequestVerdict.Ok, RequestAuthenticator.Verify(f.Chain.Sign(Print, "k-1"), f.Hmk, f.Session, f.Ar, f.Dr, Keys.T0).Verdict);
    }

    [Fact]
    public void Sessions_are_named_by_meter_and_id_and_expire()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        Assert.Equal(RequestVerdict.UnknownSession, RequestAuthenticator.Verify(request, f.Hmk, null, f.Ar, f.Dr, Keys.T0).Verdict);
        var newer = ModuleSession.Start(Keys.MeterId, Keys.T0);
        Assert.Equal(RequestVerdict.UnknownSession, RequestAuthenticator.Verify(request, f.Hmk, newer, f.Ar, f.Dr, Keys.T0).Verdict);
        Assert.Equal(RequestVerdict.SessionExpired,
            RequestAuthenticator.Verify(request, f.Hmk, f.Session, f.Ar, f.Dr, f.Session.ExpiresAt.AddTicks(1)).Verdict);
        Assert.Throws<InvalidOperationException>(() => newer.Reply(f.Hmk, request, 0, 0, 0, [], Keys.T0));
    }

    [Fact]
    public void Activity_slides_the_idle_timeout_up_to_the_maximum_lifetime()
    {
        var options = new SessionOptions { IdleTimeout = TimeSpan.FromMinutes(30), MaxLifetime = TimeSpan.FromMinutes(45) };
        var f = new Flow(options);
        var now = Keys.T0.AddMinutes(20);
        var reply = f.Session.Reply(f.Hmk, f.Chain.Sign(Print, "k-1"), 0, f.Ar, f.Dr, [], now, options);
        Assert.Equal(Keys.T0.AddMinutes(45), reply.Session.ExpiresAt);
        var early = f.Session.Reply(f.Hmk, f.Chain.Sign(Print, "k-1"), 0, f.Ar, f.Dr, [], Keys.T0.AddMinutes(5), options);
        Assert.Equal(Keys.T0.AddMinutes(35), early.Session.ExpiresAt);
    }

    [Fact]
    public void A_response_is_checked_before_the_chain_moves()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        var reply = Execute(f, request, Keys.T0);
        var before = f.Chain.State;

        Assert.Equal(ResponseVerdict.PayloadMismatch, f.Chain.Apply(request, reply.Response, [.. Indicium, 0]));
        Assert.Equal(ResponseVerdict.BadMac, ResponseAuthenticator.Verify(reply.Response, Keys.Hmk(5), request, Indicium));
        var otherRequest = f.Chain.Sign(Print, "k-2");
        Assert.Equal(ResponseVerdict.NotForThisRequest, f.Chain.Apply(otherRequest, reply.Response, Indicium));
        Assert.Same(before, f.Chain.State);

        var bytes = reply.Response.Encode();
        for (var i = 4; i < bytes.Length; i++)
        {
            var decoded = SignedResponse.Decode(Keys.Flip(bytes, i));
            if (!decoded.IsSuccess) continue;
            Assert.True(f.Chain.Apply(request, decoded.Value, Indicium) == ResponseVerdict.BadMac, $"byte {i}");
        }
        Assert.Same(before, f.Chain.State);

        Assert.Equal(ResponseVerdict.Ok, f.Chain.Apply(request, reply.Response, Indicium));
        Assert.Equal(ResponseVerdict.ChainMoved, f.Chain.Apply(request, reply.Response, Indicium));
    }

    [Fact]
    public void Concurrent_applies_of_one_response_move_the_chain_once()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        var reply = Execute(f, request, Keys.T0);
        var verdicts = new ResponseVerdict[16];
        Parallel.For(0, verdicts.Length, i => verdicts[i] = f.Chain.Apply(request, reply.Response, Indicium));
        Assert.Equal(1, verdicts.Count(v => v == ResponseVerdict.Ok));
        Assert.Equal(15, verdicts.Count(v => v == ResponseVerdict.ChainMoved));
    }

    [Fact]
    public void A_module_session_survives_its_encoding_with_its_stored_exchanges()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "k-1");
        Execute(f, request, Keys.T0);
        var restored = ModuleSession.Decode(f.Session.Encode()).Value!;
        Assert.Equal(f.Session.Encode(), restored.Encode());
        var verification = RequestAuthenticator.Verify(request, f.Hmk, restored, f.Ar, f.Dr, Keys.T0);
        Assert.Equal(RequestVerdict.Retry, verification.Verdict);
        Assert.Equal(Indicium, verification.StoredExchange!.Payload.ToArray());
        Assert.Equal(DecodeError.Truncated, ModuleSession.Decode(f.Session.Encode()[..^1]).Error);
    }

    [Fact]
    public void A_disposed_chain_forgets_its_HMK()
    {
        var f = new Flow();
        f.Chain.Dispose();
        Assert.Throws<ObjectDisposedException>(() => f.Chain.Sign(Print, "k-1"));
    }

    [Fact]
    public void A_chain_resumed_from_its_state_signs_the_same_bytes()
    {
        var f = new Flow();
        using var resumed = ChallengeChain.Resume(Keys.MeterId, f.Hmk, f.Chain.State);
        Assert.Equal(f.Chain.Sign(Print, "k-1").Encode(), resumed.Sign(Print, "k-1").Encode());
    }
}
