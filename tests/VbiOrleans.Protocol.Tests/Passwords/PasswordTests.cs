using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CsCheck;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Tests.Fixtures;

namespace VbiOrleans.Protocol.Tests.Passwords;

public sealed class PasswordVerifierTests
{
    [Fact]
    public void The_right_password_matches_and_a_wrong_one_does_not()
    {
        var blob = PasswordVerifier.Create(Keys.Password, 1_000);
        Assert.Equal(PasswordVerifier.Size, blob.Length);
        Assert.Equal(PasswordCheck.Match, PasswordVerifier.Verify(Keys.Password, blob));
        Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify("correct horse battery stapl", blob));
        Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify("", blob));
        Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify(null, blob));
    }

    [Fact]
    public void The_blob_is_version_iterations_salt_hash_and_the_iteration_count_is_honored()
    {
        var blob = PasswordVerifier.Create(Keys.Password, 1_234, new SeededRandom(7));
        Assert.Equal(PasswordVerifier.FormatVersion, blob[0]);
        Assert.Equal(1_234u, BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(1)));
        var salt = blob.AsSpan(5, 16).ToArray();
        var expected = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Keys.Password), salt, 1_234, HashAlgorithmName.SHA256, 32);
        Assert.Equal(expected, blob[21..]);
        var oneLess = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(Keys.Password), salt, 1_233, HashAlgorithmName.SHA256, 32);
        Assert.NotEqual(oneLess, blob[21..]);

        Assert.True(PasswordVerifier.NeedsRehash(blob, 2_000));
        Assert.False(PasswordVerifier.NeedsRehash(blob, 1_234));
        Assert.Equal(600_000, PasswordVerifier.DefaultIterations);
    }

    [Fact]
    public void The_salt_comes_from_the_given_generator_and_differs_between_verifiers()
    {
        Assert.Equal(PasswordVerifier.Create(Keys.Password, 10, new SeededRandom(1)), PasswordVerifier.Create(Keys.Password, 10, new SeededRandom(1)));
        Assert.NotEqual(PasswordVerifier.Create(Keys.Password, 10), PasswordVerifier.Create(Keys.Password, 10));
    }

    [Fact]
    public void A_malformed_verifier_is_named_not_taken_for_a_wrong_password()
    {
        var blob = PasswordVerifier.Create(Keys.Password, 10);
        Assert.Equal(PasswordCheck.MalformedVerifier, PasswordVerifier.Verify(Keys.Password, blob[..^1]));
        Assert.Equal(PasswordCheck.MalformedVerifier, PasswordVerifier.Verify(Keys.Password, Keys.Flip(blob, 0)));
        var huge = blob.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(1), uint.MaxValue);
        Assert.Equal(PasswordCheck.MalformedVerifier, PasswordVerifier.Verify(Keys.Password, huge));
        Assert.Throws<ArgumentOutOfRangeException>(() => PasswordVerifier.Create(Keys.Password, 0));
    }

    [Fact]
    public void Any_change_to_the_salt_or_hash_makes_the_right_password_fail() =>
        Gen.Int[5, PasswordVerifier.Size - 1].Select(Gen.Byte[1, 255]).Sample((index, mask) =>
        {
            var blob = PasswordVerifier.Create(Keys.Password, 10, new SeededRandom(index));
            Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify(Keys.Password, Keys.Flip(blob, index, mask)));
        }, iter: 200);

    [Fact]
    public void Passwords_are_compared_exactly_as_given_without_normalization()
    {
        // Normalization would depend on the process's globalization mode; the UI normalizes if it wants to.
        var composed = "caf\u00e9-au-lait!";
        var decomposed = "cafe\u0301-au-lait!";
        var blob = PasswordVerifier.Create(composed, 10);
        Assert.Equal(PasswordCheck.Match, PasswordVerifier.Verify(composed, blob));
        Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify(decomposed, blob));
    }
}

public sealed class PasswordPolicyTests
{
    [Theory]
    [InlineData("abcdefghij", PasswordPolicyViolation.None)]
    [InlineData("abcdefghi", PasswordPolicyViolation.TooShort)]
    [InlineData("", PasswordPolicyViolation.TooShort)]
    [InlineData(null, PasswordPolicyViolation.TooShort)]
    [InlineData("aaaaaaaaaaaa", PasswordPolicyViolation.OneRepeatedCharacter)]
    [InlineData("abcdefghij\n", PasswordPolicyViolation.InvalidCharacter)]
    [InlineData("😀😀😀😀😀😀😀😀😀😁", PasswordPolicyViolation.None)]
    [InlineData("😀😀😀😀😀😀😀😀😀", PasswordPolicyViolation.TooShort)]
    [InlineData("😀😀😀😀😀😀😀😀😀😀", PasswordPolicyViolation.OneRepeatedCharacter)]
    public void Rules_give_stable_codes(string? password, PasswordPolicyViolation expected) =>
        Assert.Equal(expected, PasswordPolicy.Check(password));

    [Fact]
    public void A_lone_surrogate_is_an_invalid_character()
    {
        Assert.Equal(PasswordPolicyViolation.InvalidCharacter, PasswordPolicy.Check("abcdefghij\ud800"));
        Assert.Equal(PasswordPolicyViolation.InvalidCharacter, PasswordPolicy.Check("abcdefghij\udc00x"));
        Assert.Throws<ArgumentException>(() => PasswordVerifier.Create("abcdefghij\ud800", 10));
        Assert.Equal(PasswordCheck.Mismatch, PasswordVerifier.Verify("\ud800", PasswordVerifier.Create("", 10)));
    }

    [Fact]
    public void The_length_limits_count_characters()
    {
        Assert.Equal(PasswordPolicyViolation.None, PasswordPolicy.Check("ab" + new string('c', 126)));
        Assert.Equal(PasswordPolicyViolation.TooLong, PasswordPolicy.Check("ab" + new string('c', 127)));
        Assert.Equal(PasswordPolicyViolation.None, PasswordPolicy.Check(string.Concat(Enumerable.Repeat("😀é", 64))));
    }

    [Fact]
    public void The_codes_never_change_number()
    {
        Assert.Equal(0, (int)PasswordPolicyViolation.None);
        Assert.Equal(1, (int)PasswordPolicyViolation.TooShort);
        Assert.Equal(2, (int)PasswordPolicyViolation.TooLong);
        Assert.Equal(3, (int)PasswordPolicyViolation.OneRepeatedCharacter);
        Assert.Equal(4, (int)PasswordPolicyViolation.InvalidCharacter);
        Assert.Equal(5, (int)PasswordPolicyViolation.RecentlyUsed);
    }
}

public sealed class PassphraseHistoryTests
{
    private static string Nth(int n) => $"password-number-{n}";

    [Fact]
    public void The_last_N_passwords_are_refused_and_the_one_before_them_is_accepted_again()
    {
        const int depth = 5;
        var history = PassphraseHistory.Empty(depth);
        for (var n = 1; n <= depth + 1; n++) history = history.Push(Nth(n), 10);

        Assert.Equal(depth, history.Count);
        for (var n = 2; n <= depth + 1; n++)
        {
            Assert.True(history.IsReused(Nth(n)), $"password {n} is one of the last {depth}");
            Assert.Equal(PasswordPolicyViolation.RecentlyUsed, PasswordPolicy.Check(Nth(n), history));
        }
        Assert.False(history.IsReused(Nth(1)), "the (N+1)-th most recent password is free again");
        Assert.Equal(PasswordPolicyViolation.None, PasswordPolicy.Check(Nth(1), history));
        Assert.Equal(PasswordPolicyViolation.None, PasswordPolicy.Check(Nth(99), history));
    }

    [Fact]
    public void The_depth_is_configurable_and_entries_are_salted_verifiers_not_passwords()
    {
        var history = PassphraseHistory.Empty(2).Push(Nth(1), 10).Push(Nth(1), 10).Push(Nth(2), 10);
        Assert.Equal(2, history.Count);
        var entries = history.ToEntries();
        Assert.All(entries, e => Assert.True(PasswordVerifier.TryReadIterations(e, out _)));
        Assert.NotEqual(entries[0][5..21], entries[1][5..21]); // each entry has its own salt
        Assert.DoesNotContain(entries, e => Encoding.UTF8.GetString(e).Contains("password-number", StringComparison.Ordinal));
    }

    [Fact]
    public void A_history_survives_the_package_round_trip_newest_first()
    {
        var history = PassphraseHistory.Empty().Push(Nth(1), 10).Push(Nth(2), 10);
        var restored = PassphraseHistory.FromEntries(history.ToEntries());
        Assert.True(restored.IsReused(Nth(1)));
        Assert.True(restored.IsReused(Nth(2)));
        var trimmed = PassphraseHistory.FromEntries(history.ToEntries(), depth: 1);
        Assert.True(trimmed.IsReused(Nth(2)));
        Assert.False(trimmed.IsReused(Nth(1)));
        Assert.Throws<ArgumentException>(() => PassphraseHistory.FromEntries([new byte[3]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PassphraseHistory.Empty(0));
    }
}
