using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Domain.Errors;
using static VbiOrleans.Domain.ProviderFiles.ProviderFileText;

namespace VbiOrleans.Domain.ProviderFiles.Licensing;

/// <summary>The customer's name and address on a licence application, as the account held them when the meter was licensed.</summary>
public sealed record LicenceAddress(string Name, string Company, string Street, string Street2, string City, string State, string Zip5, string Zip4);

/// <summary>
/// One meter's licence application (the seed's CMLS): who licensed it, where, and their tax id encrypted to the
/// postal authority's public key (empty when the account has none).
/// </summary>
public sealed record LicenceApplication(
    string MeterId, DateTimeOffset LicensedAt, string LicensingZip, string CustomerId, LicenceAddress Address, string EncryptedTaxId);

/// <summary>
/// The licence applications of one business day, layout version 01 (docs/provider-files.md): header (H) naming the
/// postal authority key the tax ids are encrypted to, one L record per new meter, trailer (Z). Deterministic: the
/// applications are sorted and each tax id was encrypted once, when the application was recorded.
/// </summary>
public sealed record LicensingFile(string ProviderId, DateOnly Day, string PostalKeyId, IReadOnlyList<LicenceApplication> Applications)
{
    public const string FileType = "VBI-LICENSING";
    public const string Version = "01";

    /// <summary>How a tax id is encrypted: RSA-OAEP with SHA-256 to the postal authority's public key.</summary>
    public const string TaxIdScheme = "RSA-OAEP-SHA256";

    public static string FileName(string providerId, DateOnly day) => $"licensing-{providerId}-{day:yyyyMMdd}-v{Version}.txt";

    public byte[] Write()
    {
        var b = new StringBuilder();
        b.Append(Line("H", FileType, Version, Text(ProviderId), ProviderFileText.Day(Day), TaxIdScheme, Text(PostalKeyId)));
        foreach (var a in Applications.OrderBy(a => a.LicensedAt).ThenBy(a => a.MeterId, StringComparer.Ordinal))
        {
            var d = a.Address;
            b.Append(Line("L", Text(a.MeterId), Time(a.LicensedAt), Text(a.LicensingZip), Text(a.CustomerId), Text(d.Name), Text(d.Company),
                Text(d.Street), Text(d.Street2), Text(d.City), Text(d.State), Text(d.Zip5), Text(d.Zip4), a.EncryptedTaxId));
        }
        b.Append(Line("Z", Number(Applications.Count)));
        return Bytes(b);
    }

    public static Result<LicensingFile> Parse(ReadOnlySpan<byte> file)
    {
        const string what = "the licensing file";
        var read = Lines(file, what);
        if (!read.IsSuccess) return read.Error;
        var lines = read.Value;
        if (lines[0] is not ["H", FileType, Version, var provider, var dayText, TaxIdScheme, var keyId] || !TryDay(dayText, out var day))
            return Fail(what, "does not start with a VBI-LICENSING version 01 header");
        var applications = new List<LicenceApplication>();
        for (var i = 1; i < lines.Count; i++)
        {
            var f = lines[i];
            if (f is ["Z", var count] && i == lines.Count - 1)
            {
                if (!TryNumber(count, out var n) || n != applications.Count) return Fail(what, $"counts {count} applications in its trailer and holds {applications.Count}");
                return new LicensingFile(provider, day, keyId, applications);
            }
            if (f.Length != 14 || f[0] != "L" || !TryTime(f[2], out var at)) return Fail(what, $"has a malformed record at line {i + 1}");
            applications.Add(new LicenceApplication(f[1], at, f[3], f[4], new LicenceAddress(f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12]), f[13]));
        }
        return Fail(what, "has no trailer");
    }

    /// <summary>The postal authority key's id as the header names it: the first 16 hex digits of SHA-256 of its SubjectPublicKeyInfo.</summary>
    public static string KeyId(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    /// <summary>A tax id encrypted to the postal authority's RSA key (<see cref="TaxIdScheme"/>), base64.</summary>
    public static string EncryptTaxId(RSA postalAuthorityKey, string taxId) =>
        Convert.ToBase64String(postalAuthorityKey.Encrypt(Encoding.ASCII.GetBytes(taxId), RSAEncryptionPadding.OaepSHA256));
}

/// <summary>The postal authority's answer to one application.</summary>
public sealed record LicenceAnswer(string MeterId, bool Approved, string Reason);

/// <summary>
/// An answer file the postal authority puts in its outbound folder, layout version 01: header
/// <c>H|VBI-LICENSING-ANSWERS|01|{provider}|{yyyy-MM-dd}</c>, one <c>A|{meter}|APPROVED|</c> or
/// <c>A|{meter}|REJECTED|{reason}</c> per application answered, trailer <c>Z|{count}</c>.
/// </summary>
public static class LicensingAnswers
{
    public const string FileType = "VBI-LICENSING-ANSWERS";
    public const string Version = "01";
    public const int MaxBytes = 4 << 20;

    public static Result<IReadOnlyList<LicenceAnswer>> Parse(ReadOnlySpan<byte> file)
    {
        const string what = "the licensing answer file";
        var read = Lines(file, what);
        if (!read.IsSuccess) return read.Error;
        var lines = read.Value;
        if (lines[0] is not ["H", FileType, Version, _, var dayText] || !TryDay(dayText, out _))
            return Fail(what, "does not start with a VBI-LICENSING-ANSWERS version 01 header");
        var answers = new List<LicenceAnswer>();
        for (var i = 1; i < lines.Count; i++)
        {
            var f = lines[i];
            switch (f)
            {
                case ["Z", var count] when i == lines.Count - 1:
                    return TryNumber(count, out var n) && n == answers.Count
                        ? answers
                        : Fail(what, $"counts {count} answers in its trailer and holds {answers.Count}");
                case ["A", var meter, "APPROVED", ""] when meter.Length > 0:
                    answers.Add(new LicenceAnswer(meter, true, ""));
                    break;
                case ["A", var meter, "REJECTED", var reason] when meter.Length > 0 && reason.Trim().Length > 0:
                    answers.Add(new LicenceAnswer(meter, false, reason.Trim()));
                    break;
                default:
                    return Fail(what, $"has a malformed record at line {i + 1}: '{string.Join('|', f)}'");
            }
        }
        return Fail(what, "has no trailer");
    }

    public static byte[] Write(string providerId, DateOnly day, IReadOnlyList<LicenceAnswer> answers)
    {
        var b = new StringBuilder();
        b.Append(Line("H", FileType, Version, Text(providerId), ProviderFileText.Day(day)));
        foreach (var a in answers) b.Append(Line("A", Text(a.MeterId), a.Approved ? "APPROVED" : "REJECTED", a.Approved ? "" : Text(a.Reason)));
        b.Append(Line("Z", Number(answers.Count)));
        return Bytes(b);
    }
}
