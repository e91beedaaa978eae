using System.Text;

namespace VbiOrleans.Protocol.Passwords;

/// <summary>
/// Why a password is refused. The names are stable codes (an API problem's <c>code</c>); members are never renamed
/// or renumbered, new ones are added at the end.
/// </summary>
public enum PasswordPolicyViolation
{
    None = 0,
    /// <summary>Fewer than <see cref="PasswordPolicy.MinimumLength"/> characters.</summary>
    TooShort = 1,
    /// <summary>More than <see cref="PasswordPolicy.MaximumLength"/> characters.</summary>
    TooLong = 2,
    /// <summary>One character repeated ("aaaaaaaaaa").</summary>
    OneRepeatedCharacter = 3,
    /// <summary>A control character or a lone surrogate.</summary>
    InvalidCharacter = 4,
    /// <summary>One of the last N passwords of the passphrase repetition list.</summary>
    RecentlyUsed = 5,
}

/// <summary>
/// The password rules, checked by the client before it seals a password and again by the module after it opens one.
/// Lengths count Unicode characters (scalar values), not UTF-16 units or bytes; the text is taken as given (see
/// <see cref="PasswordText"/> on normalization).
/// </summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 10;

    /// <summary>The ceiling is fixed by the sealed formats: 128 characters are at most 512 UTF-8 bytes.</summary>
    public const int MaximumLength = 128;

    public static PasswordPolicyViolation Check(string? password)
    {
        if (password is null) return PasswordPolicyViolation.TooShort;
        if (!Wire.Fields.IsWellFormedUtf16(password) || password.Any(char.IsControl)) return PasswordPolicyViolation.InvalidCharacter;

        var count = 0;
        Rune first = default;
        var allSame = true;
        foreach (var rune in password.EnumerateRunes())
        {
            if (count == 0) first = rune;
            else if (rune != first) allSame = false;
            count++;
        }
        if (count < MinimumLength) return PasswordPolicyViolation.TooShort;
        if (count > MaximumLength) return PasswordPolicyViolation.TooLong;
        return allSame ? PasswordPolicyViolation.OneRepeatedCharacter : PasswordPolicyViolation.None;
    }

    /// <summary>The rules above, then the passphrase repetition list: a new password must not be one of its last N.</summary>
    public static PasswordPolicyViolation Check(string? password, PassphraseHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var violation = Check(password);
        if (violation != PasswordPolicyViolation.None) return violation;
        return history.IsReused(password!) ? PasswordPolicyViolation.RecentlyUsed : PasswordPolicyViolation.None;
    }
}
