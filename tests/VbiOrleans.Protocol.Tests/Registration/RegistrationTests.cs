using System.Security.Cryptography;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Tests.Fixtures;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Registration;

public sealed class RegistrationTests
{
    private static async Task<(RegistrationRequest Request, RegistrationAnswer Answer)> Answer(string meterId = Keys.MeterId)
    {
        var request = RegistrationClient.CreateRequest(meterId);
        var answer = await RegistrationModule.RespondAsync(request, Keys.Signer, Keys.ModulePublic, Keys.T0);
        return (request, answer);
    }

    [Fact]
    public async Task The_client_and_the_module_end_with_the_same_HMK_and_a_verifier_of_the_password()
    {
        var (request, answer) = await Answer();
        Assert.Equal(RegistrationError.None, RegistrationClient.VerifyResponse(request, answer.Response, Keys.ModulePublic));
        var hmk = RegistrationClient.NewHmk();
        var sealing = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, hmk, Keys.Password);
        Assert.True(sealing.IsSuccess, sealing.ToString());

        // Every message crosses the wire as bytes and as JSON.
        var response = RegistrationResponse.Decode(answer.Response.Encode()).Value!;
        var envelope = RegistrationEnvelope.FromJson(sealing.Envelope!.ToJson()).Value!;
        var pending = PendingRegistration.Decode(answer.Pending.Encode()).Value!;
        Assert.Equal(answer.Response.Encode(), response.Encode());

        var opened = RegistrationModule.Open(pending, envelope, Keys.T0.AddMinutes(1), Keys.FastPasswords);
        Assert.True(opened.IsSuccess, opened.ToString());
        var secrets = opened.Secrets!;
        Assert.Equal(Keys.MeterId, secrets.MeterId);
        Assert.Equal(hmk, secrets.Hmk);
        Assert.Equal(PasswordCheck.Match, PasswordVerifier.Verify(Keys.Password, secrets.PasswordVerifier));
        Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify(Keys.Password + "!", secrets.PasswordVerifier));
        Assert.True(PasswordVerifier.TryReadIterations(secrets.PasswordVerifier, out var iterations));
        Assert.Equal(Keys.FastPasswords.Iterations, iterations);
        Assert.Equal(1, secrets.History.Count);
        Assert.True(secrets.History.IsReused(Keys.Password));
    }

    [Fact]
    public async Task The_pinned_key_accepts_either_form_and_a_wrong_pinned_key_fails_registration()
    {
        var (request, answer) = await Answer();
        var asPoint = ModulePublicKey.FromUncompressedPoint(Keys.ModulePublic.UncompressedPoint);
        Assert.Equal(RegistrationError.None, RegistrationClient.VerifyResponse(request, answer.Response, asPoint));
        Assert.Equal(RegistrationError.None, RegistrationClient.VerifyResponse(request, answer.Response, ModulePublicKey.Parse(asPoint.ExportSubjectPublicKeyInfo())));

        Assert.Equal(RegistrationError.BadSignature, RegistrationClient.VerifyResponse(request, answer.Response, Keys.OtherPublic));
        var sealing = RegistrationClient.Seal(request, answer.Response, Keys.OtherPublic, Keys.Hmk(), Keys.Password);
        Assert.Equal(RegistrationError.BadSignature, sealing.Error);
        Assert.Null(sealing.Envelope);
    }

    [Fact]
    public async Task A_module_whose_signer_uses_another_key_refuses_to_answer()
    {
        var request = RegistrationClient.CreateRequest(Keys.MeterId);
        await Assert.ThrowsAsync<CryptographicException>(() =>
            RegistrationModule.RespondAsync(request, ModuleIdentitySigner.FromEcdsa(Keys.SomeOtherKey), Keys.ModulePublic, Keys.T0));
    }

    [Fact]
    public async Task The_signature_covers_the_meter_the_challenge_and_the_ephemeral_key()
    {
        var (request, answer) = await Answer();
        var r = answer.Response;
        var other = await Answer();

        Assert.Equal(RegistrationError.ChallengeMismatch, RegistrationClient.VerifyResponse(other.Request, r, Keys.ModulePublic));
        var forOtherMeter = RegistrationClient.CreateRequest(Keys.OtherMeterId);
        Assert.Equal(RegistrationError.MeterMismatch, RegistrationClient.VerifyResponse(forOtherMeter, r, Keys.ModulePublic));

        // A man in the middle swapping in his own ephemeral key keeps the module's signature: it no longer verifies.
        var swapped = new RegistrationResponse(r.MeterId, r.ClientChallenge.Span, other.Answer.Response.ModuleEphemeralKey.Span, r.Signature.Span);
        Assert.Equal(RegistrationError.BadSignature, RegistrationClient.VerifyResponse(request, swapped, Keys.ModulePublic));
    }

    [Fact]
    public async Task Flipping_any_byte_of_the_response_fails_with_a_named_reason()
    {
        var (request, answer) = await Answer();
        var bytes = answer.Response.Encode();
        for (var i = 0; i < bytes.Length; i++)
        {
            var decoded = RegistrationResponse.Decode(Keys.Flip(bytes, i));
            if (!decoded.IsSuccess)
            {
                Assert.NotEqual(DecodeError.None, decoded.Error);
                continue;
            }
            var verdict = RegistrationClient.VerifyResponse(request, decoded.Value, Keys.ModulePublic);
            var expected = Region(i, bytes.Length) switch
            {
                "meterId" => RegistrationError.MeterMismatch,
                "challenge" => RegistrationError.ChallengeMismatch,
                _ => RegistrationError.BadSignature,
            };
            Assert.True(expected == verdict, $"byte {i}: {verdict}, expected {expected}");
        }

        static string Region(int i, int length) =>
            i < 2 + 2 + Keys.MeterId.Length ? "meterId" : i < length - 64 - 65 ? "challenge" : "keyOrSignature";
    }

    [Fact]
    public async Task Flipping_any_byte_of_the_envelope_fails_with_a_named_reason()
    {
        var (request, answer) = await Answer();
        var envelope = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), Keys.Password).Envelope!;
        var bytes = envelope.Encode();
        var meterEnd = 2 + 2 + Keys.MeterId.Length;
        for (var i = 0; i < bytes.Length; i++)
        {
            var decoded = RegistrationEnvelope.Decode(Keys.Flip(bytes, i));
            if (!decoded.IsSuccess) continue; // header, length, or an ephemeral key off the curve
            var opened = RegistrationModule.Open(answer.Pending, decoded.Value, Keys.T0, Keys.FastPasswords);
            var expected = i < meterEnd ? RegistrationError.MeterMismatch : RegistrationError.EnvelopeUnreadable;
            Assert.True(expected == opened.Error, $"byte {i}: {opened.Error}");
        }
    }

    [Fact]
    public async Task An_envelope_is_bound_to_its_meter_and_its_registration()
    {
        var (request, answer) = await Answer();
        var envelope = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), Keys.Password).Envelope!;

        // Another meter's pending registration: refused by name, and by cryptography when the name is edited to match.
        var (_, otherAnswer) = await Answer(Keys.OtherMeterId);
        Assert.Equal(RegistrationError.MeterMismatch, RegistrationModule.Open(otherAnswer.Pending, envelope, Keys.T0, Keys.FastPasswords).Error);
        var renamed = new RegistrationEnvelope(Keys.OtherMeterId, envelope.ClientEphemeralKey.Span, envelope.Ciphertext.Span, envelope.Tag.Span);
        Assert.Equal(RegistrationError.EnvelopeUnreadable, RegistrationModule.Open(otherAnswer.Pending, renamed, Keys.T0, Keys.FastPasswords).Error);

        // The same meter's later registration: a different ephemeral key and challenge, so the old envelope does not open.
        var (_, later) = await Answer();
        Assert.Equal(RegistrationError.EnvelopeUnreadable, RegistrationModule.Open(later.Pending, envelope, Keys.T0, Keys.FastPasswords).Error);

        // A pending registration that was moved onto another meter's name no longer matches the signed transcript.
        var moved = new PendingRegistration(Keys.OtherMeterId, answer.Pending.ClientChallenge.Span, answer.Pending.ModuleEphemeralKey.Span,
            PrivateScalar(answer.Pending), answer.Pending.ExpiresAt);
        Assert.Equal(RegistrationError.EnvelopeUnreadable, RegistrationModule.Open(moved, renamed, Keys.T0, Keys.FastPasswords).Error);
    }

    [Fact]
    public async Task A_pending_registration_expires()
    {
        var (request, answer) = await Answer();
        var envelope = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), Keys.Password).Envelope!;
        Assert.Equal(RegistrationModule.DefaultLifetime, answer.Pending.ExpiresAt - Keys.T0);
        Assert.Equal(RegistrationError.Expired, RegistrationModule.Open(answer.Pending, envelope, answer.Pending.ExpiresAt.AddTicks(1), Keys.FastPasswords).Error);
        Assert.Equal(RegistrationError.None, RegistrationModule.Open(answer.Pending, envelope, answer.Pending.ExpiresAt, Keys.FastPasswords).Error);
    }

    [Theory]
    [InlineData("short", PasswordPolicyViolation.TooShort)]
    [InlineData("zzzzzzzzzzzz", PasswordPolicyViolation.OneRepeatedCharacter)]
    public async Task The_client_refuses_to_seal_a_password_against_the_policy(string password, PasswordPolicyViolation violation)
    {
        var (request, answer) = await Answer();
        var sealing = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), password);
        Assert.Equal(RegistrationError.PasswordRejected, sealing.Error);
        Assert.Equal(violation, sealing.PasswordViolation);
    }

    [Fact]
    public async Task An_all_zero_or_short_HMK_is_refused()
    {
        var (request, answer) = await Answer();
        Assert.Equal(RegistrationError.InvalidHmk, RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, new byte[32], Keys.Password).Error);
        Assert.Equal(RegistrationError.InvalidHmk, RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, new byte[16], Keys.Password).Error);
    }

    [Fact]
    public async Task Every_envelope_has_the_same_size_whatever_the_password()
    {
        var (request, answer) = await Answer();
        var small = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), "abcdefghij").Envelope!.Encode();
        var large = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), new string('x', 127) + "y").Envelope!.Encode();
        var unicode = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), string.Concat(Enumerable.Repeat("😀é", 64))).Envelope!;
        Assert.Equal(small.Length, large.Length);
        Assert.Equal(small.Length, unicode.Encode().Length);
        var opened = RegistrationModule.Open(answer.Pending, unicode, Keys.T0, Keys.FastPasswords);
        Assert.True(opened.IsSuccess, opened.ToString());
    }

    [Fact]
    public void Malformed_pinned_keys_and_points_are_refused()
    {
        Assert.False(ModulePublicKey.TryFromUncompressedPoint(new byte[65], out _));
        var point = Keys.ModulePublic.UncompressedPoint;
        point[64] ^= 1; // off the curve
        Assert.False(ModulePublicKey.TryFromUncompressedPoint(point, out _));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.False(ModulePublicKey.TryFromSubjectPublicKeyInfo(p384.ExportSubjectPublicKeyInfo(), out _));
        Assert.Throws<ArgumentException>(() => ModulePublicKey.Parse([1, 2, 3]));
    }

    [Fact]
    public async Task Requests_and_responses_round_trip_as_bytes_and_JSON()
    {
        var (request, answer) = await Answer();
        Assert.Equal(request.Encode(), RegistrationRequest.Decode(request.Encode()).Value!.Encode());
        Assert.Equal(request.Encode(), RegistrationRequest.FromJson(request.ToJson()).Value!.Encode());
        Assert.Equal(answer.Response.Encode(), RegistrationResponse.FromJson(answer.Response.ToJson()).Value!.Encode());
        Assert.Equal(answer.Pending.Encode(), PendingRegistration.Decode(answer.Pending.Encode()).Value!.Encode());
        Assert.Equal(DecodeError.WrongMessageType, RegistrationResponse.Decode(request.Encode()).Error);
        Assert.Equal(DecodeError.TrailingBytes, RegistrationRequest.Decode([.. request.Encode(), 0]).Error);
        Assert.Equal(DecodeError.Truncated, RegistrationRequest.Decode(request.Encode()[..^1]).Error);
    }

    private static byte[] PrivateScalar(PendingRegistration pending)
    {
        var bytes = pending.Encode();
        return bytes[^(8 + 32)..^8];
    }
}
