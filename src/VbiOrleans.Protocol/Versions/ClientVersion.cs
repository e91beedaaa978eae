using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace VbiOrleans.Protocol.Versions;

/// <summary>
/// A client version, SemVer 2.0 as far as ordering goes: MAJOR.MINOR.PATCH, an optional <c>-pre.release</c> that sorts
/// before the release, and <c>+build</c> metadata that is kept out of the comparison and of <see cref="ToString"/>.
/// A missing MINOR or PATCH reads as 0, so configuration can say "2" or "2.1".
/// </summary>
public sealed class ClientVersion : IComparable<ClientVersion>, IEquatable<ClientVersion>
{
    /// <summary>Bounds what a header may make the server parse.</summary>
    public const int MaxLength = 64;

    private readonly string[] _prerelease;

    private ClientVersion(int major, int minor, int patch, string[] prerelease)
    {
        Major = major;
        Minor = minor;
        Patch = patch;
        _prerelease = prerelease;
    }

    public int Major { get; }
    public int Minor { get; }
    public int Patch { get; }
    public bool IsPrerelease => _prerelease.Length > 0;

    public static ClientVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text}' is not a version (MAJOR.MINOR.PATCH[-prerelease][+build])");

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out ClientVersion? version)
    {
        version = null;
        if (text.IsEmpty || text.Length > MaxLength) return false;
        var plus = text.IndexOf('+');
        if (plus >= 0)
        {
            if (!ValidIdentifiers(text[(plus + 1)..], numericRule: false)) return false;
            text = text[..plus];
        }
        string[] prerelease = [];
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            var pre = text[(dash + 1)..];
            if (!ValidIdentifiers(pre, numericRule: true)) return false;
            prerelease = pre.ToString().Split('.');
            text = text[..dash];
        }
        Span<int> parts = [0, 0, 0];
        var count = 0;
        foreach (var range in text.Split('.'))
        {
            if (count == 3 || !TryNumber(text[range], out parts[count])) return false;
            count++;
        }
        version = new ClientVersion(parts[0], parts[1], parts[2], prerelease);
        return true;
    }

    private static bool TryNumber(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        if (digits.IsEmpty || (digits.Length > 1 && digits[0] == '0')) return false;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
        }
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool ValidIdentifiers(ReadOnlySpan<char> text, bool numericRule)
    {
        if (text.IsEmpty) return false;
        foreach (var range in text.Split('.'))
        {
            var id = text[range];
            if (id.IsEmpty) return false;
            foreach (var c in id)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-') return false;
            }
            if (numericRule && id.Length > 1 && id[0] == '0' && !id.ContainsAnyExcept("0123456789")) return false;
        }
        return true;
    }

    public int CompareTo(ClientVersion? other)
    {
        if (other is null) return 1;
        var c = Major.CompareTo(other.Major);
        if (c == 0) c = Minor.CompareTo(other.Minor);
        if (c == 0) c = Patch.CompareTo(other.Patch);
        if (c != 0) return c;
        // A release sorts after its prereleases; prereleases compare identifier by identifier.
        if (_prerelease.Length == 0) return other._prerelease.Length == 0 ? 0 : 1;
        if (other._prerelease.Length == 0) return -1;
        for (var i = 0; i < Math.Min(_prerelease.Length, other._prerelease.Length); i++)
        {
            c = CompareIdentifier(_prerelease[i], other._prerelease[i]);
            if (c != 0) return c;
        }
        return _prerelease.Length.CompareTo(other._prerelease.Length);
    }

    private static int CompareIdentifier(string a, string b)
    {
        var aNumeric = !a.AsSpan().ContainsAnyExcept("0123456789");
        var bNumeric = !b.AsSpan().ContainsAnyExcept("0123456789");
        if (aNumeric && bNumeric) return a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
        if (aNumeric != bNumeric) return aNumeric ? -1 : 1; // numeric identifiers sort before alphanumeric ones
        return string.CompareOrdinal(a, b);
    }

    public bool Equals(ClientVersion? other) => CompareTo(other) == 0;
    public override bool Equals(object? obj) => obj is ClientVersion other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Major, Minor, Patch, string.Join('.', _prerelease));

    public static bool operator <(ClientVersion a, ClientVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ClientVersion a, ClientVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ClientVersion a, ClientVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ClientVersion a, ClientVersion b) => a.CompareTo(b) >= 0;
    public static bool operator ==(ClientVersion? a, ClientVersion? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(ClientVersion? a, ClientVersion? b) => !(a == b);

    /// <summary>MAJOR.MINOR.PATCH[-prerelease], without build metadata.</summary>
    public override string ToString() =>
        _prerelease.Length == 0 ? $"{Major}.{Minor}.{Patch}" : $"{Major}.{Minor}.{Patch}-{string.Join('.', _prerelease)}";
}
