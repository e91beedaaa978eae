using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Sessions;

public sealed class LoginTests
{
    private readonly byte[] _hmk = Keys.Hmk();
    private readonly byte[] _verifier = PasswordVerifier.Create(Keys.Password, 100);

    [Fact]
    public void A_login_opens_a_session_and_the_client_starts_its_chain_from_the_module_registers()
    {
        var request = LoginRequest.Decode(LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password).Encode()).Value!;
        var accepted = LoginModule.Accept(request, _hmk, _verifier, 1_000, 2_000, Keys.T0);
        Assert.Equal(LoginVerdict.Ok, accepted.Verdict);
        var session = accepted.Session!;
        Assert.Equal(Keys.MeterId, session.MeterId);
        Assert.Equal(32, session.CurrentChallenge.Length);
        Assert.Equal(16, session.SessionId.Length);
        Assert.Equal(Keys.T0 + SessionOptions.Default.IdleTimeout, session.ExpiresAt);

        var response = LoginResponse.FromJson(accepted.Response!.ToJson()).Value!;
        var completion = LoginClient.Complete(request, response, _hmk);
        Assert.Equal(LoginVerdict.Ok, completion.Verdict);
        var state = completion.Chain!.State;
        Assert.Equal(session.SessionId.ToArray(), state.SessionId.ToArray());
        Assert.Equal(session.CurrentChallenge.ToArray(), state.Challenge.ToArray());
        Assert.Equal((1_000, 2_000), (state.AscendingMills, state.DescendingMills));
    }

    [Fact]
    public void A_wrong_password_opens_no_session()
    {
        var request = LoginClient.CreateRequest(Keys.MeterId, _hmk, "not the password at all");
        var accepted = LoginModule.Accept(request, _hmk, _verifier, 0, 0, Keys.T0);
        Assert.Equal(LoginVerdict.WrongPassword, accepted.Verdict);
        Assert.Null(accepted.Session);
        Assert.Null(accepted.Response);
        Assert.Equal(LoginVerdict.MalformedVerifier, LoginModule.Accept(request, _hmk, _verifier[..10], 0, 0, Keys.T0).Verdict);
    }

    [Fact]
    public void A_login_needs_the_HMK_and_is_bound_to_its_meter()
    {
        var request = LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password);
        Assert.Equal(LoginVerdict.BadMac, LoginModule.Accept(request, Keys.Hmk(2), _verifier, 0, 0, Keys.T0).Verdict);
        var moved = new LoginRequest(Keys.OtherMeterId, request.ClientChallenge.Span, request.SealedPassword.Span, request.Tag.Span);
        Assert.Equal(LoginVerdict.BadMac, LoginModule.Accept(moved, _hmk, _verifier, 0, 0, Keys.T0).Verdict);
    }

    [Fact]
    public void The_password_travels_sealed_and_padded()
    {
        var a = LoginClient.CreateRequest(Keys.MeterId, _hmk, "abcdefghij").Encode();
        var b = LoginClient.CreateRequest(Keys.MeterId, _hmk, new string('q', 127) + "r").Encode();
        Assert.Equal(a.Length, b.Length);
        Assert.DoesNotContain("abcdefghij", System.Text.Encoding.Latin1.GetString(a), StringComparison.Ordinal);
    }

    [Fact]
    public void Flipping_any_byte_of_a_login_request_fails_with_BadMac()
    {
        var bytes = LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password).Encode();
        var checkedCount = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            var decoded = LoginRequest.Decode(Keys.Flip(bytes, i));
            if (!decoded.IsSuccess)
            {
                Assert.True(i < 4, $"byte {i} is past the header and the meter id's length, yet failed to decode: {decoded}");
                continue;
            }
            Assert.Equal(LoginVerdict.BadMac, LoginModule.Accept(decoded.Value, _hmk, _verifier, 0, 0, Keys.T0).Verdict);
            checkedCount++;
        }
        Assert.True(checkedCount > 500);
    }

    [Fact]
    public void Flipping_any_byte_of_a_login_response_fails_with_BadMac_and_another_login_is_told_apart()
    {
        var request = LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password);
        var response = LoginModule.Accept(request, _hmk, _verifier, 7, 8, Keys.T0).Response!;
        var bytes = response.Encode();
        for (var i = 4; i < bytes.Length; i++)
        {
            var decoded = LoginResponse.Decode(Keys.Flip(bytes, i));
            if (!decoded.IsSuccess) continue; // a register's sign bit: negative registers do not decode
            Assert.Equal(LoginVerdict.BadMac, LoginClient.Complete(request, decoded.Value, _hmk).Verdict);
        }
        var other = LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password);
        Assert.Equal(LoginVerdict.NotForThisRequest, LoginClient.Complete(other, response, _hmk).Verdict);
        Assert.Equal(DecodeError.WrongMessageType, LoginRequest.Decode(bytes).Error);
    }

    [Fact]
    public void A_session_is_reproducible_from_its_inputs()
    {
        var request = LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password, new SeededRandom(3));
        var again = LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password, new SeededRandom(3));
        Assert.Equal(request.Encode(), again.Encode());
        var a = LoginModule.Accept(request, _hmk, _verifier, 1, 2, Keys.T0, rng: new SeededRandom(4));
        var b = LoginModule.Accept(request, _hmk, _verifier, 1, 2, Keys.T0, rng: new SeededRandom(4));
        Assert.Equal(a.Response!.Encode(), b.Response!.Encode());
        Assert.Equal(a.Session!.Encode(), b.Session!.Encode());
    }
}
