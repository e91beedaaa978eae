namespace VbiOrleans.Protocol.Passwords;

/// <summary>How the module keeps passwords: the PBKDF2 iteration count and the depth of the passphrase repetition list.</summary>
public sealed record PasswordOptions
{
    public static readonly PasswordOptions Default = new();

    public int Iterations { get; init; } = PasswordVerifier.DefaultIterations;

    public int HistoryDepth { get; init; } = PassphraseHistory.DefaultDepth;
}
