using System.Security.Cryptography;
using VbiOrleans.Domain.ProviderFiles.Nacha;
using VbiOrleans.PostalAuthority;

namespace VbiOrleans.Grains.Provider;

/// <summary>Section <c>Vbi:Provider</c>: the provider services' schedule, the postal authority's transport and keys, licensing.</summary>
public sealed class ProviderOptions
{
    public const string Section = "Vbi:Provider";

    /// <summary>Our provider id in file names and headers: 1 to 16 lowercase letters and digits.</summary>
    public string ProviderId { get; set; } = "vbi";

    /// <summary>
    /// Where the files go: <c>Sftp</c> (the postal authority's server, <see cref="Sftp"/>) or <c>Folder</c>
    /// (<see cref="Folder"/>). Unset: a folder in the Local profile; SFTP in the Cluster profile once
    /// <c>Vbi:Provider:Sftp:Host</c> is set, and otherwise no transport, so the services do not run (the host says so).
    /// </summary>
    public string? Transport { get; set; }

    /// <summary>The postal authority's folder for <c>Transport=Folder</c>; default <c>{DataDirectory}/postal-authority</c>.</summary>
    public string? Folder { get; set; }

    public SftpSettings Sftp { get; set; } = new();

    /// <summary>The time of day (UTC) from which the previous business day is run: it is then closed, and late appends are in.</summary>
    public TimeSpan RunAt { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often a service's reminder wakes to run closed days still pending (and, for licensing, read answers).</summary>
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many closed days back a service starts from the first time it runs (it never skips one after that).</summary>
    public int BackfillDays { get; set; } = 1;

    /// <summary>How long a run waits for the provider's log feed to reach the log's head before it leaves the day pending.</summary>
    public TimeSpan FeedWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Lets an operator run the current business day before it closes, for test hosts whose days last seconds. Off in
    /// production: a day run open would miss what is printed after it.
    /// </summary>
    public bool AllowOpenDay { get; set; }

    public ProviderRetryOptions Retry { get; set; } = new();

    /// <summary>The postal authority's RSA public key (PEM, SubjectPublicKeyInfo) that tax ids are encrypted to (RSA-OAEP-SHA256).</summary>
    public string? PostalAuthorityPublicKey { get; set; }

    public LicensingOptions Licensing { get; set; } = new();

    public RemittanceOptions Remittance { get; set; } = new();

    public ReconciliationOptions Reconciliation { get; set; } = new();

    /// <summary>Whether a transport is set up: the services run only then.</summary>
    public bool HasTransport => Transport is "Sftp" or "Folder";

    public void Validate()
    {
        if (ProviderId.Length is < 1 or > 16 || !ProviderId.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            throw new InvalidOperationException($"{Section}:ProviderId must be 1 to 16 lowercase letters and digits");
        if (Transport is not (null or "Sftp" or "Folder")) throw new InvalidOperationException($"{Section}:Transport must be Sftp or Folder");
        if (Transport == "Sftp") Sftp.Validate(Section + ":Sftp");
        if (RunAt < TimeSpan.Zero || RunAt >= TimeSpan.FromDays(1)) throw new InvalidOperationException($"{Section}:RunAt must be a time of day (00:00:00 to 23:59:59)");
        if (CheckPeriod < TimeSpan.FromSeconds(1) || CheckPeriod > TimeSpan.FromDays(1)) throw new InvalidOperationException($"{Section}:CheckPeriod must be from 1 second to 1 day");
        if (BackfillDays is < 1 or > 31) throw new InvalidOperationException($"{Section}:BackfillDays must be 1 to 31");
        if (FeedWait < TimeSpan.Zero || FeedWait > TimeSpan.FromMinutes(5)) throw new InvalidOperationException($"{Section}:FeedWait must be at most 5 minutes");
        Retry.Validate();
        Remittance.Validate();
        Reconciliation.Validate();
        if (PostalAuthorityPublicKey is { Length: > 0 } pem)
        {
            try
            {
                using var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                if (rsa.KeySize < 2048) throw new InvalidOperationException($"{Section}:PostalAuthorityPublicKey must be an RSA key of at least 2048 bits");
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new InvalidOperationException($"{Section}:PostalAuthorityPublicKey is not an RSA public key in PEM: {e.Message}");
            }
        }
    }
}

/// <summary>
/// Section <c>Vbi:Provider:Retry</c>: within one run a failed transfer is tried up to <see cref="MaxAttempts"/> times,
/// waiting <see cref="BaseDelay"/> doubled after each failure up to <see cref="MaxDelay"/>; after that the day stays
/// pending and the next wake of the service tries again. A day is never skipped.
/// </summary>
public sealed class ProviderRetryOptions
{
    public int MaxAttempts { get; set; } = 3;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan DelayAfter(int failures) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (1L << Math.Min(failures - 1, 20))));

    public void Validate()
    {
        if (MaxAttempts is < 1 or > 10) throw new InvalidOperationException($"{ProviderOptions.Section}:Retry:MaxAttempts must be 1 to 10");
        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay || MaxDelay > TimeSpan.FromMinutes(1))
            throw new InvalidOperationException($"{ProviderOptions.Section}:Retry: BaseDelay must be at most MaxDelay, and MaxDelay at most 1 minute");
    }
}

/// <summary>Section <c>Vbi:Provider:Licensing</c>.</summary>
public sealed class LicensingOptions
{
    /// <summary>
    /// Approve every licence application as it is recorded, without waiting for the postal authority's answer. Unset:
    /// true in the Local profile, false in the Cluster profile (a meter is operational once the answer file approves it).
    /// </summary>
    public bool? ApproveAtOnce { get; set; }
}

/// <summary>
/// Section <c>Vbi:Provider:Remittance</c>: the postal authority's lockbox account that the day's net postage is credited
/// to (a CCD credit, docs/provider-files.md). The originator is ours as <c>Vbi:Ach</c> sets it. The account number is a
/// secret of the postal authority's bank: it is in the file and nowhere else (never in a log or an error).
/// </summary>
public sealed class RemittanceOptions
{
    /// <summary>The lockbox bank's 9-digit routing number (its check digit is checked at start-up).</summary>
    public string Routing { get; set; } = "011000015";

    /// <summary>The lockbox account number: 1 to 17 letters, digits or hyphens.</summary>
    public string AccountNumber { get; set; } = "4000000001";

    /// <summary><c>Checking</c> (transaction code 22) or <c>Savings</c> (32).</summary>
    public AchAccountType AccountType { get; set; } = AchAccountType.Checking;

    /// <summary>The receiver's name in the entry (22 characters at most).</summary>
    public string ReceiverName { get; set; } = "POSTAL AUTHORITY";

    /// <summary>The company entry description on the lockbox's statement (10 characters at most).</summary>
    public string EntryDescription { get; set; } = "POSTAGE";

    public void Validate()
    {
        const string section = ProviderOptions.Section + ":Remittance";
        if (!NachaWriter.IsRoutingNumber(Routing)) throw new InvalidOperationException($"{section}:Routing is not a 9-digit routing number with its check digit");
        // The message never repeats the account number.
        if (AccountNumber.Length is 0 or > 17 || !AccountNumber.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw new InvalidOperationException($"{section}:AccountNumber is 1 to 17 letters, digits or hyphens");
        if (!Enum.IsDefined(AccountType)) throw new InvalidOperationException($"{section}:AccountType is Checking or Savings");
        if (string.IsNullOrWhiteSpace(ReceiverName) || ReceiverName.Length > 22) throw new InvalidOperationException($"{section}:ReceiverName is 1 to 22 characters");
        if (string.IsNullOrWhiteSpace(EntryDescription) || EntryDescription.Length > 10) throw new InvalidOperationException($"{section}:EntryDescription is 1 to 10 characters");
    }
}

/// <summary>Section <c>Vbi:Provider:Reconciliation</c>: the bounds of one day's reconciliation.</summary>
public sealed class ReconciliationOptions
{
    /// <summary>The most log records, ledger postings or meters one check reads for a day; a day with more is reported incomplete (an alert).</summary>
    public int MaxRecords { get; set; } = 1_000_000;

    /// <summary>The most differences kept in a day's report (all are counted and alerted).</summary>
    public int MaxDifferencesKept { get; set; } = 1_000;

    public void Validate()
    {
        const string section = ProviderOptions.Section + ":Reconciliation";
        if (MaxRecords is < 1_000 or > 100_000_000) throw new InvalidOperationException($"{section}:MaxRecords is 1000 to 100000000");
        if (MaxDifferencesKept is < 10 or > 100_000) throw new InvalidOperationException($"{section}:MaxDifferencesKept is 10 to 100000");
    }
}
