using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Sessions;

public sealed class PasswordChangeTests
{
    private static readonly PasswordOptions Cheap = new() { Iterations = 100, HistoryDepth = 3 };
    private readonly byte[] _hmk = Keys.Hmk();

    private PasswordChangeResult Change(string current, string next, byte[] verifier, IReadOnlyList<byte[]> list) =>
        PasswordChange.Accept(PasswordChangeRequest.Decode(PasswordChange.CreateRequest(Keys.MeterId, _hmk, current, next).Encode()).Value!,
            _hmk, verifier, list, Cheap);

    [Fact]
    public void A_change_gives_a_verifier_of_the_new_password_and_pushes_it_on_the_repetition_list()
    {
        var verifier = PasswordVerifier.Create(Keys.Password, 100);
        var result = Change(Keys.Password, "a new passphrase 1", verifier, [verifier]);
        Assert.Equal(PasswordChangeVerdict.Ok, result.Verdict);
        Assert.Equal(PasswordCheck.Match, PasswordVerifier.Verify("a new passphrase 1", result.Verifier));
        Assert.Equal(2, result.RepetitionList!.Count);
        Assert.Equal(result.Verifier, result.RepetitionList[0]);
    }

    [Fact]
    public void The_last_N_passwords_are_refused_and_older_ones_fall_off_the_list()
    {
        var passwords = new[] { Keys.Password, "second passphrase", "third passphrase", "fourth passphrase" };
        var verifier = PasswordVerifier.Create(passwords[0], 100);
        IReadOnlyList<byte[]> list = [verifier];
        for (var i = 1; i < passwords.Length; i++)
        {
            var result = Change(passwords[i - 1], passwords[i], verifier, list);
            Assert.Equal(PasswordChangeVerdict.Ok, result.Verdict);
            (verifier, list) = (result.Verifier!, result.RepetitionList!);
        }
        Assert.Equal(Cheap.HistoryDepth, list.Count);
        foreach (var recent in passwords[1..])
        {
            var refused = Change(passwords[^1], recent, verifier, list);
            Assert.Equal((PasswordChangeVerdict.Rejected, PasswordPolicyViolation.RecentlyUsed), (refused.Verdict, refused.Violation));
        }
        // The first password left the list (depth 3): it may come back.
        Assert.Equal(PasswordChangeVerdict.Ok, Change(passwords[^1], passwords[0], verifier, list).Verdict);
    }

    [Fact]
    public void A_wrong_current_password_another_hmk_or_a_changed_byte_changes_nothing()
    {
        var verifier = PasswordVerifier.Create(Keys.Password, 100);
        Assert.Equal(PasswordChangeVerdict.WrongPassword, Change("not the password", "a new passphrase 1", verifier, [verifier]).Verdict);
        var request = PasswordChange.CreateRequest(Keys.MeterId, _hmk, Keys.Password, "a new passphrase 1");
        var other = Keys.Hmk();
        other[0] ^= 0xFF;
        Assert.Equal(PasswordChangeVerdict.BadMac, PasswordChange.Accept(request, other, verifier, [verifier], Cheap).Verdict);
        var bytes = request.Encode();
        bytes[60] ^= 0x01;
        Assert.Equal(PasswordChangeVerdict.BadMac, PasswordChange.Accept(PasswordChangeRequest.Decode(bytes).Value!, _hmk, verifier, [verifier], Cheap).Verdict);
        Assert.Throws<ArgumentException>(() => PasswordChange.CreateRequest(Keys.MeterId, _hmk, Keys.Password, "short"));
    }

    [Fact]
    public void The_request_has_one_encoding_and_a_json_twin()
    {
        var request = PasswordChange.CreateRequest(Keys.MeterId, _hmk, Keys.Password, "a new passphrase 1");
        var bytes = request.Encode();
        Assert.Equal((byte)MessageType.PasswordChangeRequest, bytes[0]);
        Assert.Equal(1 + 1 + 2 + Keys.MeterId.Length + 32 + PasswordChangeRequest.SealedSize + 16, bytes.Length);
        Assert.Equal(bytes, PasswordChangeRequest.FromJson(request.ToJson()).Value!.Encode());
        Assert.Equal(DecodeError.TrailingBytes, PasswordChangeRequest.Decode([.. bytes, 0]).Error);
        Assert.Equal(DecodeError.WrongMessageType, PasswordChangeRequest.Decode(LoginClient.CreateRequest(Keys.MeterId, _hmk, Keys.Password).Encode()).Error);
    }

    [Fact]
    public void A_print_payload_round_trips_and_anything_else_is_not_an_indicium()
    {
        byte[] indicium = [1, 2, 3, 250];
        var payload = TransactionPayload.ForIndicium("m-0123456789-7", indicium);
        Assert.True(TransactionPayload.TryReadIndicium(payload, out var id, out var bytes));
        Assert.Equal("m-0123456789-7", id);
        Assert.Equal(indicium, bytes);
        Assert.False(TransactionPayload.TryReadIndicium([], out _, out _));
        Assert.False(TransactionPayload.TryReadIndicium("no newline"u8, out _, out _));
    }
}
