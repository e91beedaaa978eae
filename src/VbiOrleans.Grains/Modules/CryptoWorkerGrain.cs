using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Checkpoints;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Modules;

/// <summary>
/// The stateless crypto module (DESIGN, print path steps 4 and 5): opens the sealed package with the meter's data
/// key, checks it against the postal checkpoint and the client's registers, executes the command, signs the
/// indicium with the meter's key, seals the new package and MACs the new checkpoint. It keeps nothing about any
/// meter between calls except key caches, so any activation on any silo serves any meter.
/// </summary>
[StatelessWorker]
public sealed partial class CryptoWorkerGrain(ModuleCrypto crypto, IOptions<ModuleOptions> options, TimeProvider clock) : Grain, ICryptoWorkerGrain
{
    private ModuleOptions Options => options.Value;

    public async Task<ProvisionedMeter> Provision(string meterId, long meterNumber)
    {
        var id = MeterId.Parse(meterId);
        var now = clock.GetUtcNow();
        var (dataKey, dataKeyToken) = await crypto.NewDataKeyAsync();
        using var meterKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(meterNumber);
        // The device serial is the meter's number, at least 6 digits: numeric, so tracking numbers can be built from it.
        var deviceSerial = meterNumber.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var caCertificate = await GrainFactory.GetGrain<IPostalCaGrain>(0).Certificate();
        var (certificate, certificateSerial) = await crypto.IssueMeterCertificateAsync(meterKey, meterId, deviceSerial, caCertificate, now, Options.CertificateValidityDays);
        var expires = now.AddDays(Options.CertificateValidityDays);
        var package = PsdPackage.Provisioned(id, new DeviceId(Options.VendorId, Options.Model, deviceSerial), certificateSerial,
            ModuleCrypto.SealIndiciumKey(meterKey, dataKey, meterId), dataKeyToken, new KeyExpiry(expires, expires), now);
        var checkpoint = await MacAsync(new Checkpoint(id, 0, Domain.Transactions.TransactionKind.Provision, Mills.Zero, Mills.Zero, Mills.Zero,
            Options.Serial, now, Mills.Zero, Mills.Zero, Mills.Zero, []));
        return new ProvisionedMeter(PsdPackageCodec.Seal(package, dataKey), checkpoint.ToData(), certificate, certificateSerial, package.ToView());
    }

    public async Task<bool> VerifyCheckpoint(CheckpointData checkpoint)
    {
        var expected = await crypto.CheckpointMacAsync(checkpoint.MeterId, checkpoint.ToDomain().MacInput());
        return CryptographicOperations.FixedTimeEquals(expected, checkpoint.Mac);
    }

    public async Task<WorkerOutcome> Open(string meterId, byte[] sealedPackage)
    {
        var opened = await OpenAsync(MeterId.Parse(meterId), sealedPackage);
        return opened.IsSuccess
            ? new WorkerOutcome(ErrorCode.None, null, sealedPackage, null, opened.Value.Package.ToView(), null)
            : Fail(opened.Error);
    }

    public async Task<WorkerOutcome> Execute(ModuleRequest request)
    {
        var id = MeterId.Parse(request.MeterId);
        var opened = await OpenAsync(id, request.SealedPackage);
        if (!opened.IsSuccess) return Fail(opened.Error);
        return (await ExecuteOpenedAsync(request, id, opened.Value.Package, opened.Value.DataKey)).Outcome;
    }

    /// <summary>The command on an opened package: the new sealed package, checkpoint and any indicium, or why not.</summary>
    private async Task<(WorkerOutcome Outcome, PsdPackage? Next)> ExecuteOpenedAsync(ModuleRequest request, MeterId id, PsdPackage package, MeterDataKey dataKey)
    {
        // The package and the postal checkpoint must describe the same committed state.
        if (request.PostalCheckpoint is not { } postal || postal.Sequence != package.Sequence
            || postal.AscendingMills != package.Registers.Ascending.Value || postal.DescendingMills != package.Registers.Descending.Value)
        {
            return (Fail(new DomainError(ErrorCode.CheckpointMismatch,
                $"meter {id}'s package (sequence {package.Sequence}) and its postal checkpoint (sequence {request.PostalCheckpoint?.Sequence}) disagree")), null);
        }
        if (request.Expected is { } expected
            && (expected.AscendingMills != package.Registers.Ascending.Value || expected.DescendingMills != package.Registers.Descending.Value))
        {
            return (Fail(new DomainError(ErrorCode.RegistersMismatch,
                $"the client's registers (AR {new Mills(expected.AscendingMills)}, DR {new Mills(expected.DescendingMills)}) differ from the meter's")), null);
        }

        var now = clock.GetUtcNow();
        var limits = Options.Limits;
        var transition = request.Command switch
        {
            LicenseCommand c => Psd.License(package, c.Zip, now),
            ActivateCommand c => Psd.Activate(package, new UserSecrets(c.Hmk, c.PasswordVerifier), now),
            PostageValueDownloadCommand c => Psd.PostageValueDownload(package, new Mills(c.AmountMills), limits, now),
            PrintCommand c => ValidatePrint(c.Request) is { } invalid ? invalid : Psd.Print(package, new Mills(c.Request.PostageMills), limits, now),
            RefundCommand when request.RefundTarget is { } target => Psd.Refund(package, new Mills(target.PostageMills), target.PrintedAt, limits, now),
            RefundCommand c => new DomainError(ErrorCode.IndiciumNotFound, $"indicium {c.IndiciumId} was not issued by meter {id}"),
            WithdrawCommand => Psd.Withdraw(package, now),
            ChangePasswordCommand c => Psd.ChangePassword(package, c.PasswordVerifier, c.RepetitionList, now),
            _ => new DomainError(ErrorCode.ValidationFailed, $"unknown command {request.Command.GetType().Name}"),
        };
        if (!transition.IsSuccess) return (Fail(transition.Error), null);
        var next = transition.Value.Next;

        IssuedIndicium? indicium = null;
        if (request.Command is PrintCommand print)
        {
            var data = new IndiciumData(ParseKind(print.Request.ItemKind), next.CertificateSerial, next.DeviceId, next.Registers.Ascending,
                new Mills(print.Request.PostageMills), DateOnly.FromDateTime(now.UtcDateTime), next.LicensingZip!, print.Request.DestinationZip,
                print.Request.MailClass, next.Registers.PieceCount, Options.SoftwareId, next.Registers.Descending).Encode();
            var signature = crypto.IndiciumKey(next.IndiciumKeyToken, dataKey.Key, id.Value).Sign(data);
            indicium = new IssuedIndicium($"{id.Value}-{next.Sequence}", id.Value, next.Sequence, print.Request.PostageMills, now, data, signature);
        }

        var checkpoint = await MacAsync(Checkpoint.Of(transition.Value, Options.Serial, now));
        return (new WorkerOutcome(ErrorCode.None, null, PsdPackageCodec.Seal(next, dataKey.Package), checkpoint.ToData(), next.ToView(), indicium), next);
    }

    private async Task<Result<(PsdPackage Package, MeterDataKey DataKey)>> OpenAsync(MeterId id, byte[] sealedPackage)
    {
        var header = PsdPackageCodec.ReadHeader(sealedPackage);
        if (!header.IsSuccess) return header.Error;
        if (header.Value.MeterId != id)
            return new DomainError(ErrorCode.PackageMeterMismatch, $"the postal store holds meter {header.Value.MeterId}'s package in meter {id}'s row");
        MeterDataKey dataKey;
        try
        {
            dataKey = await crypto.DataKeyAsync(header.Value.DataKeyToken);
        }
        catch (HsmException)
        {
            return new DomainError(ErrorCode.PackageTampered, $"meter {id}'s data key token does not unwrap under the module master key");
        }
        var package = PsdPackageCodec.Unseal(sealedPackage, id, dataKey.Package);
        return package.IsSuccess ? (package.Value, dataKey) : package.Error;
    }

    private async Task<Checkpoint> MacAsync(Checkpoint checkpoint) =>
        checkpoint with { Mac = await crypto.CheckpointMacAsync(checkpoint.MeterId.Value, checkpoint.MacInput()) };

    private static DomainError? ValidatePrint(PrintRequest r)
    {
        if (!Zip.IsValidDestination(r.DestinationZip))
            return new DomainError(ErrorCode.InvalidZip, $"'{r.DestinationZip}' is not a destination ZIP (5 digits, or ZIP+4)");
        if (string.IsNullOrWhiteSpace(r.MailClass) || r.MailClass.Length > 32 || !r.MailClass.All(c => c is >= ' ' and <= '~'))
            return new DomainError(ErrorCode.ValidationFailed, "the mail class is 1 to 32 printable ASCII characters");
        if (!Enum.TryParse<ItemKind>(r.ItemKind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
            return new DomainError(ErrorCode.ValidationFailed, $"the item kind is one of {string.Join(", ", Enum.GetNames<ItemKind>())}");
        return null;
    }

    private static ItemKind ParseKind(string kind) => Enum.Parse<ItemKind>(kind, ignoreCase: true);

    private static WorkerOutcome Fail(DomainError error) => new(error.Code, error.Message, null, null, null, null);
}
