using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.Domain.ProviderFiles.Remittance;
using VbiOrleans.Grains.Commerce.Ach;
using VbiOrleans.Domain.ProviderFiles.Licensing;
using VbiOrleans.Domain.ProviderFiles.Resetting;
using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Grains.Provider;

/// <summary>A day's file as built: its name and bytes, and for the remittance what it remits.</summary>
public sealed record ProviderFile(string Name, byte[] Content, RemittanceAmounts? Remittance = null);

/// <summary>
/// Builds a service's file for a business day (a UTC date) from the provider's journal and the recorded licence
/// applications. Nothing in a file depends on when it is built, so building a closed day again gives the same bytes.
/// </summary>
public sealed class ProviderFileBuilder(IProviderJournal journal, IGrainFactory grains, IOptions<ProviderOptions> options, IOptions<AchOptions> ach)
{
    public static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public Task<ProviderFile> BuildAsync(string service, DateOnly day, CancellationToken cancellationToken) => service switch
    {
        ProviderServices.Resetting => ResettingAsync(day, cancellationToken),
        ProviderServices.Licensing => LicensingAsync(day, cancellationToken),
        ProviderServices.Remittance => RemittanceAsync(day, cancellationToken),
        _ => throw new ArgumentException($"no provider service '{service}' runs here", nameof(service)),
    };

    private async Task<ProviderFile> ResettingAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var from = Start(day);
        var to = from.AddDays(1);
        var entries = await journal.BetweenAsync(from, to, cancellationToken);
        var committed = entries.Where(e => e.AscendingMills is not null).ToList();
        var transactions = committed
            .Where(e => ReportedKind((TransactionKind)e.Kind) is not null)
            .Select(e =>
            {
                var kind = ReportedKind((TransactionKind)e.Kind)!.Value;
                return new ResettingTransaction(e.MeterId, e.Sequence, kind, e.At, e.AmountMills, e.AscendingMills!.Value, e.DescendingMills!.Value,
                    e.ModuleSerial, kind == ResettingKind.Licence ? e.Reference : "", kind == ResettingKind.Licence ? "" : e.Reference);
            })
            .ToList();
        var meters = (await journal.RegistersBeforeAsync(to, cancellationToken))
            .Select(e => new MeterRegistersAtClose(e.MeterId, e.Sequence, e.AscendingMills!.Value, e.DescendingMills!.Value, e.At))
            .ToList();
        var modules = committed.Where(e => e.ModuleSerial.Length > 0).GroupBy(e => e.ModuleSerial)
            .Select(g => new ModuleUse(g.Key, g.Count(),
                g.Where(e => e.Kind == (byte)TransactionKind.PostageValueDownload).Sum(e => e.AmountMills),
                g.Where(e => e.Kind == (byte)TransactionKind.Print).Sum(e => e.AmountMills),
                g.Min(e => e.At), g.Max(e => e.At)))
            .ToList();
        var audit = entries.Where(e => AuditEvent((TransactionKind)e.Kind) is not null)
            .Select(e => new DeviceAuditEvent(e.ModuleSerial, e.MeterId, e.Sequence, AuditEvent((TransactionKind)e.Kind)!, e.At, e.Note))
            .ToList();
        var report = new ResettingReport(options.Value.ProviderId, day, transactions, meters, modules, audit);
        return new ProviderFile(ResettingReport.FileName(options.Value.ProviderId, day), report.Write());
    }

    private async Task<ProviderFile> LicensingAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var from = Start(day);
        var licensed = (await journal.BetweenAsync(from, from.AddDays(1), cancellationToken))
            .Where(e => e.Kind == (byte)TransactionKind.License && e.AscendingMills is not null)
            .Select(e => e.MeterId).Distinct().ToList();
        var applications = new List<LicenceApplication>();
        foreach (var meterId in licensed)
        {
            var a = await grains.GetGrain<IMeterLicenceGrain>(meterId).Application()
                ?? throw new InvalidOperationException($"meter {meterId}'s licence is in the journal but its application is not recorded");
            var d = a.Address;
            applications.Add(new LicenceApplication(a.MeterId, a.LicensedAt, a.LicensingZip, a.CustomerId,
                new LicenceAddress(d.Name, d.Company, d.Street, d.Street2, d.City, d.State, d.Zip5, d.Zip4), a.EncryptedTaxId));
        }
        var file = new LicensingFile(options.Value.ProviderId, day, PostalKeyId(), applications);
        return new ProviderFile(LicensingFile.FileName(options.Value.ProviderId, day), file.Write());
    }

    /// <summary>The ledger's entry kind of the remittance itself, left out of the day's movement of remittance payable.</summary>
    public const string RemittanceKind = "remittance";

    /// <summary>The ledger entry id of day D's remittance.</summary>
    public static string RemittanceEntryId(DateOnly day) => $"remittance:{day:yyyy-MM-dd}";

    /// <summary>
    /// The day's movement of remittance payable in the ledger (credits less debits of every entry dated in the day but
    /// the remittances themselves): the PVDs' credits less the withdrawals' debits.
    /// </summary>
    public async Task<long> RemittancePayableNetAsync(DateOnly day)
    {
        var from = Start(day);
        var movement = await grains.GetGrain<ILedgerGrain>(0).Movement(LedgerAccounts.RemittancePayable, from, from.AddDays(1));
        return movement.ByKind.Where(k => k.Kind != RemittanceKind).Sum(k => k.CreditMills - k.DebitMills);
    }

    /// <summary>
    /// The remittance file of the day: the ledger's movement of remittance payable, which must equal the log's PVDs less
    /// withdrawals of the day in the journal (the resetting file's net postage); if not, nothing is built.
    /// </summary>
    private async Task<ProviderFile> RemittanceAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var from = Start(day);
        var net = await RemittancePayableNetAsync(day);
        var logged = (await journal.BetweenAsync(from, from.AddDays(1), cancellationToken)).Where(e => e.AscendingMills is not null).ToList();
        var journalNet = logged.Where(e => e.Kind == (byte)TransactionKind.PostageValueDownload).Sum(e => e.AmountMills)
            - logged.Where(e => e.Kind == (byte)TransactionKind.Withdraw).Sum(e => e.AmountMills);
        if (net != journalNet)
            throw new InvalidOperationException($"remittance payable moved {net} mills in the ledger, the log's PVDs less withdrawals are {journalNet} mills " +
                $"({net - journalNet:+#;-#} mills); nothing is remitted until they agree");
        var amounts = RemittanceAmounts.Of(net);
        var r = options.Value.Remittance;
        var written = RemittanceFile.Write(day, amounts.RemittedMills, ach.Value.Originator,
            new RemittanceLockbox(r.Routing, r.AccountNumber, r.AccountType, r.ReceiverName, r.EntryDescription), TimeOnly.FromTimeSpan(options.Value.RunAt));
        if (!written.IsSuccess) throw new InvalidOperationException($"the remittance file cannot be written: {written.Error.Message}");
        return new ProviderFile(RemittanceFile.FileName(options.Value.ProviderId, day), written.Value.Content, amounts);
    }

    /// <summary>The id of the postal authority key tax ids are encrypted to, or <c>none</c> when none is configured (the files then carry no tax id).</summary>
    private string PostalKeyId()
    {
        if (options.Value.PostalAuthorityPublicKey is not { Length: > 0 } pem) return "none";
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return LicensingFile.KeyId(rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The log's kinds a resetting report lists as transactions. The system has no meter movement: a meter's licensing ZIP is fixed at its licence.</summary>
    public static ResettingKind? ReportedKind(TransactionKind kind) => kind switch
    {
        TransactionKind.PostageValueDownload => ResettingKind.Pvd,
        TransactionKind.Refund => ResettingKind.Refund,
        TransactionKind.License => ResettingKind.Licence,
        TransactionKind.Withdraw => ResettingKind.Withdrawal,
        _ => null,
    };

    /// <summary>The log's kinds a resetting report lists as device audit events.</summary>
    public static string? AuditEvent(TransactionKind kind) => kind switch
    {
        TransactionKind.Rollback => "ROLLBACK",
        TransactionKind.Recovery => "RECOVERY",
        TransactionKind.Inhibit => "INHIBIT",
        TransactionKind.Resume => "RESUME",
        _ => null,
    };
}
