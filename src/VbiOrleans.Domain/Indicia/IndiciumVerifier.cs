using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Domain.Indicia;

/// <summary>The stable codes of a failed verification check. Never renamed: scanners and inspectors key on them.</summary>
public static class VerificationCodes
{
    public const string MalformedIndicium = "MalformedIndicium";
    public const string UnknownCertificate = "UnknownCertificate";
    public const string CertificateMismatch = "CertificateMismatch";
    public const string SignatureInvalid = "SignatureInvalid";
    public const string ChainInvalid = "ChainInvalid";
    public const string CertificateNotValidOnDateOfMailing = "CertificateNotValidOnDateOfMailing";
    public const string DateOfMailingInFuture = "DateOfMailingInFuture";
    public const string RegisterArithmetic = "RegisterArithmetic";
    public const string NotInRecords = "NotInRecords";
    public const string Refunded = "Refunded";
}

/// <summary>The checks, in the order they run. Offline checks need only the indicium and the published certificates.</summary>
public static class VerificationChecks
{
    public const string Format = "format";
    public const string Certificate = "certificate";
    public const string Signature = "signature";
    public const string Chain = "chain";
    public const string Validity = "validity";
    public const string Registers = "registers";
    public const string Records = "records";
    public const string Refund = "refund";

    public static readonly IReadOnlyList<string> Offline = [Format, Certificate, Signature, Chain, Validity, Registers];
}

/// <summary>One check's outcome: passed, failed with a code, or not run (because an earlier check it needs failed).</summary>
public sealed record CheckOutcome(string Check, CheckStatus Status, string? Code, string Message);

public enum CheckStatus
{
    Passed,
    Failed,
    NotRun,
}

/// <summary>
/// Verifies an indicium offline, the way a postal inspector can with standard tools: the bytes parse as our format;
/// the meter certificate is the one the indicium names and belongs to its device; the ECDSA P-256 signature over the
/// signed bytes verifies under the certificate's key; the certificate chains to the postal CA; both certificates were
/// valid on the date of mailing; and the registers printed are arithmetically possible. Every failing check is
/// reported, not only the first.
/// </summary>
public static class IndiciumVerifier
{
    public static OfflineVerification Verify(ReadOnlySpan<byte> indicium, byte[]? meterCertificate, byte[] caCertificate, MeterLimits limits,
        DateOnly today)
    {
        var outcomes = new List<CheckOutcome>();
        var decoded = IndiciumData.Decode(indicium);
        if (!decoded.IsSuccess)
        {
            outcomes.Add(new(VerificationChecks.Format, CheckStatus.Failed, VerificationCodes.MalformedIndicium, decoded.Error.Message));
            foreach (var check in VerificationChecks.Offline.Skip(1)) outcomes.Add(NotRun(check, "the indicium could not be read"));
            return new OfflineVerification(null, outcomes);
        }
        var (data, signed, signature) = decoded.Value;
        outcomes.Add(Passed(VerificationChecks.Format, $"format version {IndiciumData.FormatVersion}, ECDSA P-256 over SHA-256"));

        if (meterCertificate is null)
        {
            outcomes.Add(new(VerificationChecks.Certificate, CheckStatus.Failed, VerificationCodes.UnknownCertificate,
                $"no meter certificate with serial {data.CertificateSerial} was issued"));
            outcomes.Add(NotRun(VerificationChecks.Signature, "there is no certificate to check the signature with"));
            outcomes.Add(NotRun(VerificationChecks.Chain, "there is no certificate to chain"));
            outcomes.Add(NotRun(VerificationChecks.Validity, "there is no certificate to date"));
            outcomes.Add(Registers(data, limits));
            return new OfflineVerification(data, outcomes);
        }

        using var meter = X509CertificateLoader.LoadCertificate(meterCertificate);
        using var ca = X509CertificateLoader.LoadCertificate(caCertificate);
        outcomes.Add(CertificateMatches(data, meter));
        outcomes.Add(Signature(meter, signed, signature));
        outcomes.Add(Chain(meter, ca));
        outcomes.Add(Validity(data.DateOfMailing, meter, ca, today));
        outcomes.Add(Registers(data, limits));
        return new OfflineVerification(data, outcomes);
    }

    private static CheckOutcome CertificateMatches(IndiciumData data, X509Certificate2 meter)
    {
        if (!string.Equals(meter.SerialNumber, data.CertificateSerial, StringComparison.OrdinalIgnoreCase))
            return Failed(VerificationChecks.Certificate, VerificationCodes.CertificateMismatch,
                $"the indicium names certificate {data.CertificateSerial} but certificate {meter.SerialNumber} was given");
        var deviceSerial = meter.SubjectName.EnumerateRelativeDistinguishedNames()
            .FirstOrDefault(n => n.GetSingleElementType().Value == "2.5.4.5")?.GetSingleElementValue();
        if (!string.Equals(deviceSerial, data.Device.Serial, StringComparison.Ordinal))
            return Failed(VerificationChecks.Certificate, VerificationCodes.CertificateMismatch,
                $"the indicium's device serial {data.Device.Serial} is not the certificate's ({deviceSerial ?? "none"})");
        return Passed(VerificationChecks.Certificate, $"certificate {meter.SerialNumber} of {meter.GetNameInfo(X509NameType.SimpleName, false)}, device {data.Device}");
    }

    private static CheckOutcome Signature(X509Certificate2 meter, byte[] signed, byte[] signature)
    {
        using var key = meter.GetECDsaPublicKey();
        if (key is null || key.KeySize != 256)
            return Failed(VerificationChecks.Signature, VerificationCodes.SignatureInvalid, "the certificate does not hold an ECDSA P-256 key");
        return key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? Passed(VerificationChecks.Signature, "the ECDSA P-256 signature over the signed bytes verifies under the meter certificate")
            : Failed(VerificationChecks.Signature, VerificationCodes.SignatureInvalid,
                "the signature does not verify: the indicium was altered or was not signed by this meter");
    }

    private static CheckOutcome Chain(X509Certificate2 meter, X509Certificate2 ca)
    {
        if (!meter.IssuerName.RawData.AsSpan().SequenceEqual(ca.SubjectName.RawData))
            return Failed(VerificationChecks.Chain, VerificationCodes.ChainInvalid, $"the certificate was issued by {meter.Issuer}, not by {ca.Subject}");
        // The signature check only: dates are judged against the date of mailing below, not against today.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        chain.ChainPolicy.VerificationTime = meter.NotBefore.AddSeconds(1);
        if (!chain.Build(meter))
        {
            var why = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
            return Failed(VerificationChecks.Chain, VerificationCodes.ChainInvalid, $"the certificate does not chain to the postal CA: {why}");
        }
        var usage = meter.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is null || !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
            return Failed(VerificationChecks.Chain, VerificationCodes.ChainInvalid, "the certificate is not for digital signatures");
        return Passed(VerificationChecks.Chain, $"issued by {ca.GetNameInfo(X509NameType.SimpleName, false)}");
    }

    /// <summary>
    /// The indicium carries a date, not a time: a certificate is valid on the date of mailing when its validity
    /// period overlaps that UTC day.
    /// </summary>
    private static CheckOutcome Validity(DateOnly dateOfMailing, X509Certificate2 meter, X509Certificate2 ca, DateOnly today)
    {
        if (dateOfMailing > today.AddDays(1))
            return Failed(VerificationChecks.Validity, VerificationCodes.DateOfMailingInFuture, $"the date of mailing {dateOfMailing:yyyy-MM-dd} is in the future");
        var dayStart = new DateTimeOffset(dateOfMailing.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var dayEnd = dayStart.AddDays(1);
        foreach (var (what, certificate) in new[] { ("meter", meter), ("postal CA", ca) })
        {
            var from = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            var to = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            if (to < dayStart || from >= dayEnd)
                return Failed(VerificationChecks.Validity, VerificationCodes.CertificateNotValidOnDateOfMailing,
                    $"the {what} certificate is valid from {from:yyyy-MM-dd HH:mm} to {to:yyyy-MM-dd HH:mm} UTC, not on {dateOfMailing:yyyy-MM-dd}");
        }
        return Passed(VerificationChecks.Validity, $"both certificates were valid on {dateOfMailing:yyyy-MM-dd}");
    }

    /// <summary>What one indicium can show about the registers: the print fitted the limits and the registers it printed.</summary>
    private static CheckOutcome Registers(IndiciumData data, MeterLimits limits)
    {
        string? problem =
            data.Postage.Value <= 0 ? $"the postage {data.Postage} is not positive"
            : data.Postage > limits.MaxPostagePerPiece ? $"the postage {data.Postage} is over the per-piece maximum {limits.MaxPostagePerPiece}"
            : data.AscendingAfter < data.Postage ? $"the ascending register {data.AscendingAfter} after the print is less than its postage {data.Postage}"
            : data.DescendingAfter.Value < 0 ? $"the descending register {data.DescendingAfter} is negative"
            : data.DescendingAfter > limits.DescendingRegisterCeiling ? $"the descending register {data.DescendingAfter} is over the ceiling {limits.DescendingRegisterCeiling}"
            : data.PieceCounter < 1 ? $"the piece counter {data.PieceCounter} is not positive"
            : null;
        return problem is null
            ? Passed(VerificationChecks.Registers, $"postage {data.Postage}, AR {data.AscendingAfter}, DR {data.DescendingAfter}, piece {data.PieceCounter}")
            : Failed(VerificationChecks.Registers, VerificationCodes.RegisterArithmetic, problem);
    }

    private static CheckOutcome Passed(string check, string message) => new(check, CheckStatus.Passed, null, message);
    private static CheckOutcome Failed(string check, string code, string message) => new(check, CheckStatus.Failed, code, message);
    private static CheckOutcome NotRun(string check, string why) => new(check, CheckStatus.NotRun, null, why);
}

/// <summary>The offline outcome: the decoded indicium (when it could be read) and every check.</summary>
public sealed record OfflineVerification(IndiciumData? Data, IReadOnlyList<CheckOutcome> Checks)
{
    public bool Valid => Checks.All(c => c.Status == CheckStatus.Passed);
}
