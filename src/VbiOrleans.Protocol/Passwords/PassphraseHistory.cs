using System.Security.Cryptography;

namespace VbiOrleans.Protocol.Passwords;

/// <summary>
/// The passphrase repetition list of the PSD package (claim 32): the last <see cref="Depth"/> passwords of a meter,
/// the current one included, each kept only as a <see cref="PasswordVerifier"/> blob with its own salt. A new
/// password that matches any of them is refused. Checking costs one PBKDF2 per entry; it runs only when a password
/// is set, never on the print path.
/// </summary>
public sealed class PassphraseHistory
{
    public const int DefaultDepth = 5;
    public const int MaximumDepth = 24;

    private readonly byte[][] _entries;

    private PassphraseHistory(byte[][] entries, int depth)
    {
        _entries = entries;
        Depth = depth;
    }

    /// <summary>How many passwords are remembered.</summary>
    public int Depth { get; }

    public int Count => _entries.Length;

    public static PassphraseHistory Empty(int depth = DefaultDepth) => new([], CheckDepth(depth));

    /// <summary>
    /// A history from the package's stored entries, newest first, trimmed to <paramref name="depth"/>. An entry that is
    /// not a verifier blob throws: the package was opened and authenticated, so that is a fault, not user input.
    /// </summary>
    public static PassphraseHistory FromEntries(IEnumerable<byte[]> newestFirst, int depth = DefaultDepth)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        var entries = newestFirst.Take(CheckDepth(depth)).Select(e => e.ToArray()).ToArray();
        if (entries.Any(e => !PasswordVerifier.TryReadIterations(e, out _)))
            throw new ArgumentException("an entry is not a password verifier", nameof(newestFirst));
        return new PassphraseHistory(entries, depth);
    }

    /// <summary>The entries to store, newest first (copies).</summary>
    public IReadOnlyList<byte[]> ToEntries() => _entries.Select(e => e.ToArray()).ToArray();

    /// <summary>
    /// Whether <paramref name="password"/> is one of the remembered passwords. Every entry is checked, in constant time
    /// each, so the time does not tell which one matched.
    /// </summary>
    public bool IsReused(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var reused = false;
        foreach (var entry in _entries)
        {
            reused |= PasswordVerifier.Verify(password, entry) == PasswordCheck.Match;
        }
        return reused;
    }

    /// <summary>The history with <paramref name="password"/> remembered as the newest entry and the oldest beyond <see cref="Depth"/> dropped.</summary>
    public PassphraseHistory Push(string password, int iterations = PasswordVerifier.DefaultIterations, RandomNumberGenerator? rng = null)
    {
        var entry = PasswordVerifier.Create(password, iterations, rng);
        return new PassphraseHistory([entry, .. _entries.Take(Depth - 1)], Depth);
    }

    private static int CheckDepth(int depth) =>
        depth is >= 1 and <= MaximumDepth ? depth : throw new ArgumentOutOfRangeException(nameof(depth), depth, $"from 1 to {MaximumDepth}");
}
