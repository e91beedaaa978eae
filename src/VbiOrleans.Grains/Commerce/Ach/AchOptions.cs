using VbiOrleans.Domain.ProviderFiles.Nacha;

namespace VbiOrleans.Grains.Commerce.Ach;

/// <summary>
/// Our ODFI and company fields in the NACHA file, and the daily job's schedule and bounds (<c>Vbi:Ach</c>). The
/// defaults are a development originator (routing numbers that pass their check digit, nobody's real company id);
/// a deployment sets the fields its bank gives it.
/// </summary>
public sealed class AchOptions
{
    public const string Section = "Vbi:Ach";

    /// <summary>The ODFI's routing number (9 digits), the file header's immediate destination.</summary>
    public string ImmediateDestination { get; set; } = "091000019";
    public string ImmediateDestinationName { get; set; } = "ODFI BANK";
    /// <summary>Our 10-character immediate origin (often "1" + EIN).</summary>
    public string ImmediateOrigin { get; set; } = "1000000001";
    public string ImmediateOriginName { get; set; } = "VBI ORLEANS";
    /// <summary>Our company name on the customers' statements (16 characters at most).</summary>
    public string CompanyName { get; set; } = "VBI ORLEANS";
    /// <summary>Our 10-character company identification.</summary>
    public string CompanyId { get; set; } = "1000000001";
    /// <summary>The ODFI's routing number (9 digits); its first 8 digits begin every trace number.</summary>
    public string OdfiRouting { get; set; } = "091000019";
    /// <summary>The company entry description on the customers' statements (10 characters at most).</summary>
    public string EntryDescription { get; set; } = "POSTAGE";

    /// <summary>The time of day (UTC) after which the job makes the day's file; also the file header's creation time.</summary>
    public TimeOnly FileTime { get; set; } = new(18, 0);
    /// <summary>Business days after a debit's effective date without a return before it is settled.</summary>
    public int SettlementBusinessDays { get; set; } = 2;
    /// <summary>How often the job's reminder fires (at least a minute).</summary>
    public TimeSpan JobInterval { get; set; } = TimeSpan.FromHours(1);
    /// <summary>The most debits one file takes; the rest wait for the next day's file.</summary>
    public int MaxEntriesPerFile { get; set; } = 10_000;
    /// <summary>The most debits one run settles; the rest settle on the next run.</summary>
    public int MaxSettlementsPerRun { get; set; } = 10_000;
    /// <summary>The most return files one run reads from the archive; the rest are read on the next run.</summary>
    public int MaxReturnFilesPerRun { get; set; } = 20;
    /// <summary>The largest return file accepted (bytes).</summary>
    public int MaxReturnFileBytes { get; set; } = 1 << 20;

    /// <summary>The first 8 digits of the ODFI's routing number, which begin our trace numbers.</summary>
    public string TracePrefix => OdfiRouting[..8];

    public NachaOriginator Originator => new(ImmediateDestination, ImmediateDestinationName, ImmediateOrigin, ImmediateOriginName, CompanyName, CompanyId, OdfiRouting);

    public void Validate()
    {
        if (!NachaWriter.IsRoutingNumber(ImmediateDestination)) throw new ArgumentException($"{Section}:ImmediateDestination is not a 9-digit routing number");
        if (!NachaWriter.IsRoutingNumber(OdfiRouting)) throw new ArgumentException($"{Section}:OdfiRouting is not a 9-digit routing number");
        if (ImmediateOrigin.Length != 10) throw new ArgumentException($"{Section}:ImmediateOrigin is 10 characters");
        if (CompanyId.Length != 10) throw new ArgumentException($"{Section}:CompanyId is 10 characters");
        if (string.IsNullOrWhiteSpace(CompanyName) || CompanyName.Length > 16) throw new ArgumentException($"{Section}:CompanyName is 1 to 16 characters");
        if (string.IsNullOrWhiteSpace(EntryDescription) || EntryDescription.Length > 10) throw new ArgumentException($"{Section}:EntryDescription is 1 to 10 characters");
        if (SettlementBusinessDays is < 0 or > 60) throw new ArgumentException($"{Section}:SettlementBusinessDays is 0 to 60");
        if (MaxEntriesPerFile is < 1 or > 999_999) throw new ArgumentException($"{Section}:MaxEntriesPerFile is 1 to 999999");
        if (MaxSettlementsPerRun < 1 || MaxReturnFilesPerRun < 1 || MaxReturnFileBytes < 1024)
            throw new ArgumentException($"{Section}: the per-run bounds are positive (MaxReturnFileBytes at least 1024)");
    }
}
