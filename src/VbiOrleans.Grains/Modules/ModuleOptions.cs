using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Grains.Modules;

/// <summary>The section <c>Vbi:Module</c>: this silo's crypto module and the PSD limits it enforces.</summary>
public sealed class ModuleOptions
{
    public const string Section = "Vbi:Module";

    /// <summary>This silo's crypto-module serial, as the module table lists it.</summary>
    public string Serial { get; set; } = "CM-0001";

    /// <summary>K: how many checkpoints module memory keeps per meter (1 to 5; the seed keeps 3 to 5).</summary>
    public int MemoryDepth { get; set; } = 3;

    public long MaxPostageValueDownloadMills { get; set; } = MeterLimits.Default.MaxPostageValueDownload.Value;
    public long DescendingRegisterCeilingMills { get; set; } = MeterLimits.Default.DescendingRegisterCeiling.Value;
    public long MaxPostagePerPieceMills { get; set; } = MeterLimits.Default.MaxPostagePerPiece.Value;
    public int RefundWindowDays { get; set; } = (int)MeterLimits.Default.RefundWindow.TotalDays;

    /// <summary>More verification failures than this within <see cref="ShutdownWindow"/> stop PVD and printing system-wide.</summary>
    public int ShutdownThreshold { get; set; } = 3;
    public TimeSpan ShutdownWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many provisioned meters the pool keeps ready for sign-up.</summary>
    public int PoolTarget { get; set; } = 8;

    public string VendorId { get; set; } = "VBI";
    public string Model { get; set; } = "VPSD1";
    public string SoftwareId { get; set; } = "VBIORLEANS-1";
    public int CertificateValidityDays { get; set; } = 3 * 365;

    /// <summary>PBKDF2 iterations of the meter password verifiers the module makes (the count travels in each verifier).</summary>
    public int PasswordIterations { get; set; } = Protocol.Passwords.PasswordVerifier.DefaultIterations;

    /// <summary>N: how many recent passwords the passphrase repetition list refuses (1 to 24).</summary>
    public int PassphraseHistoryDepth { get; set; } = Protocol.Passwords.PassphraseHistory.DefaultDepth;

    /// <summary>A client session ends after this long without a request, and this long after its login whatever happens.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan SessionMaxLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>After this many wrong meter passwords in a row, logins to the meter are refused for <see cref="LoginLockout"/>.</summary>
    public int MaxFailedLogins { get; set; } = 5;
    public TimeSpan LoginLockout { get; set; } = TimeSpan.FromMinutes(15);

    public MeterLimits Limits => new(new Mills(MaxPostageValueDownloadMills), new Mills(DescendingRegisterCeilingMills),
        new Mills(MaxPostagePerPieceMills), TimeSpan.FromDays(RefundWindowDays));

    public void Validate()
    {
        if (MemoryDepth is < 1 or > 5) throw new ArgumentOutOfRangeException(nameof(MemoryDepth), MemoryDepth, "Vbi:Module:MemoryDepth is 1 to 5");
        if (!Domain.Modules.ModuleSerial.TryParse(Serial, out _, out var problem)) throw new ArgumentException($"Vbi:Module:Serial: {problem}");
        if (PasswordIterations is < 1 or > Protocol.Passwords.PasswordVerifier.MaximumIterations)
            throw new ArgumentOutOfRangeException(nameof(PasswordIterations), PasswordIterations, "Vbi:Module:PasswordIterations is 1 to 10,000,000");
        if (PassphraseHistoryDepth is < 1 or > Protocol.Passwords.PassphraseHistory.MaximumDepth)
            throw new ArgumentOutOfRangeException(nameof(PassphraseHistoryDepth), PassphraseHistoryDepth, "Vbi:Module:PassphraseHistoryDepth is 1 to 24");
    }
}
