namespace VbiOrleans.Domain.Payments;

/// <summary>
/// An ABA routing transit number: nine digits whose check digit makes 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) a
/// multiple of 10. The first two digits name a Federal Reserve district (01–12), a thrift (21–32), or an electronic
/// or government number (61–72, 80); others are not routed for ACH.
/// </summary>
public static class RoutingNumber
{
    public const int Length = 9;

    private static readonly int[] Weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];

    /// <summary>True when <paramref name="value"/> is nine digits with a valid check digit and a routable prefix.</summary>
    public static bool IsValid(string? value)
    {
        if (value is not { Length: Length } || !value.All(char.IsAsciiDigit)) return false;
        var prefix = (value[0] - '0') * 10 + (value[1] - '0');
        if (prefix is not ((>= 0 and <= 12) or (>= 21 and <= 32) or (>= 61 and <= 72) or 80)) return false;
        // All zeros passes the sum but routes nowhere.
        if (value == "000000000") return false;
        var sum = 0;
        for (var i = 0; i < Length; i++) sum += (value[i] - '0') * Weights[i];
        return sum % 10 == 0;
    }

    /// <summary>The check digit the first eight digits call for.</summary>
    public static int CheckDigit(string firstEight)
    {
        if (firstEight is not { Length: Length - 1 } || !firstEight.All(char.IsAsciiDigit))
            throw new ArgumentException("eight digits", nameof(firstEight));
        var sum = 0;
        for (var i = 0; i < Length - 1; i++) sum += (firstEight[i] - '0') * Weights[i];
        return (10 - sum % 10) % 10;
    }
}

/// <summary>A US bank account number as ACH carries it: 4 to 17 digits (the NACHA entry field is 17 wide).</summary>
public static class BankAccountNumber
{
    public const int MinLength = 4;
    public const int MaxLength = 17;

    public static bool IsValid(string? value) => value is { Length: >= MinLength and <= MaxLength } && value.All(char.IsAsciiDigit);

    /// <summary>The last four digits: the only part ever shown.</summary>
    public static string Last4(string value) => value[^4..];
}

/// <summary>
/// The name on a bank account as the ACH entry carries it: 1 to 22 characters (the NACHA individual-name field) of
/// letters, digits, spaces and <c>. , ' - &amp;</c>.
/// </summary>
public static class AccountHolderName
{
    public const int MaxLength = 22;

    public static string? Normalize(string? value)
    {
        var trimmed = value?.Trim();
        if (trimmed is not { Length: > 0 and <= MaxLength }) return null;
        return trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or ',' or '\'' or '-' or '&') ? trimmed : null;
    }
}
