using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Grains.Modules;

[GenerateSerializer]
public sealed class ClientSessionState
{
    /// <summary>Wrong passwords in a row since the last good login.</summary>
    [Id(1)] public int FailedLogins { get; set; }
    [Id(2)] public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>SHA-256 of the last password change accepted, so a retry of it is answered, not refused as a wrong password.</summary>
    [Id(3)] public byte[]? LastPasswordChange { get; set; }
}

/// <summary>
/// The module's side of the client protocol for one meter (docs/client-protocol.md §2, §4, §5). One activation per
/// meter, so the meter's logins and signed requests are serialized. The open session lives in module memory (the
/// meter's <see cref="IModuleSessionGrain"/>), so a signed request's checkpoint and the challenge it consumes are one
/// durable write; this grain keeps the login lockout in the <c>module</c> store, and the pending registration
/// (an ephemeral private key) is kept only in this activation's memory, for its lifetime of at most 10 minutes, and is
/// used once. Every check that needs the HMK runs in the crypto worker, on a package the meter's module session has
/// judged first (<see cref="IMeterGrain.Snapshot"/>: behind rolled forward, swapped or edited inhibited), so no secret
/// from a package older than module memory, or another meter's, is ever used.
/// </summary>
public sealed class ClientSessionGrain(
    [PersistentState(stateName: "clientSession", storageName: StorageNames.Module)] IPersistentState<ClientSessionState> state,
    IOptions<ModuleOptions> options,
    TimeProvider clock,
    ILogger<ClientSessionGrain> logger) : Grain, IClientSessionGrain
{
    private byte[]? _pending;
    private byte[]? _completedEnvelope;

    private string MeterId => this.GetPrimaryKeyString();
    private IMeterGrain? _meter;
    private ICryptoWorkerGrain? _worker;
    private IMeterGrain Meter => _meter ??= GrainFactory.GetGrain<IMeterGrain>(MeterId);
    private IModuleSessionGrain? _module;
    private IModuleSessionGrain Module => _module ??= GrainFactory.GetGrain<IModuleSessionGrain>(MeterId);
    private ICryptoWorkerGrain Worker => _worker ??= GrainFactory.GetGrain<ICryptoWorkerGrain>(0);
    private ModuleOptions Options => options.Value;

    public async Task<ClientProtocolResult> BeginRegistration(byte[] registrationRequest)
    {
        var request = RegistrationRequest.Decode(registrationRequest);
        if (!request.IsSuccess || request.Value.MeterId != MeterId)
            return ClientProtocolResult.Fail(ErrorCode.MalformedRequest, $"not a registration request for meter {MeterId}");
        var snapshot = await Meter.Snapshot();
        if (snapshot is null) return ClientProtocolResult.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} does not exist");
        if (snapshot.IsInhibited) return Inhibited(snapshot);
        if (snapshot.Registers.State != nameof(Domain.Meters.MeterState.Licensed))
            return ClientProtocolResult.Fail(ErrorCode.WrongMeterState, snapshot.Registers.State == nameof(Domain.Meters.MeterState.Provisioned)
                ? $"meter {MeterId} is not licensed yet"
                : $"meter {MeterId} is {snapshot.Registers.State}: a client is registered once, when the meter is licensed");
        var challenge = await Worker.RespondToRegistration(registrationRequest);
        _pending = challenge.Pending;
        return new ClientProtocolResult(ErrorCode.None, null, challenge.Response, snapshot.Registers);
    }

    public async Task<ClientProtocolResult> CompleteRegistration(byte[] registrationEnvelope)
    {
        var envelopeHash = SHA256.HashData(registrationEnvelope);
        if (_completedEnvelope is { } done && CryptographicOperations.FixedTimeEquals(done, envelopeHash)
            && await Meter.Snapshot() is { IsInhibited: false } current)
        {
            return new ClientProtocolResult(ErrorCode.None, null, null, current.Registers); // a retry of the registration that activated the meter
        }
        if (_pending is not { } pending)
            return ClientProtocolResult.Fail(ErrorCode.RegistrationNotStarted, $"no registration of meter {MeterId} is waiting for an envelope; start again");
        _pending = null; // one envelope per pending registration, whatever happens next

        var opened = await Worker.OpenRegistration(pending, registrationEnvelope, Options.PasswordIterations, Options.PassphraseHistoryDepth);
        switch (opened.Error)
        {
            case nameof(RegistrationError.None):
                break;
            case nameof(RegistrationError.Expired):
                return ClientProtocolResult.Fail(ErrorCode.RegistrationExpired, "the registration expired before its envelope arrived; start again");
            case nameof(RegistrationError.PasswordRejected):
                return ClientProtocolResult.Fail(ErrorCode.PasswordRejected, $"the password is refused: {opened.Violation}", opened.Violation);
            default:
                logger.LogWarning("Meter {MeterId}: registration envelope refused ({Error})", MeterId, opened.Error);
                return ClientProtocolResult.Fail(ErrorCode.RegistrationRejected, $"the registration envelope is refused: {opened.Error}; start again");
        }

        var result = await Meter.Execute("register-" + Convert.ToHexStringLower(envelopeHash)[..40], new ActivateCommand(opened.Hmk!, opened.PasswordVerifier!));
        if (!result.IsSuccess) return ClientProtocolResult.Fail(result.Error, result.Message!);
        _completedEnvelope = envelopeHash;
        await Module.EndClientSession();
        state.State.FailedLogins = 0;
        state.State.LockedUntil = null;
        await state.WriteStateAsync();
        logger.LogInformation("Meter {MeterId}: client registered", MeterId);
        return new ClientProtocolResult(ErrorCode.None, null, null, result.Registers);
    }

    public async Task<ClientProtocolResult> Login(byte[] loginRequest)
    {
        var request = LoginRequest.Decode(loginRequest);
        if (!request.IsSuccess || request.Value.MeterId != MeterId)
            return ClientProtocolResult.Fail(ErrorCode.MalformedRequest, $"not a login request for meter {MeterId}");
        var now = clock.GetUtcNow();
        if (state.State.LockedUntil is { } locked && locked > now)
            return ClientProtocolResult.Fail(ErrorCode.TooManyLoginAttempts, $"too many wrong passwords; logins to meter {MeterId} are refused until {locked:O}",
                retryAfter: locked - now);
        var snapshot = await Meter.Snapshot();
        if (Registered(snapshot) is { } refused) return refused;

        var checkedLogin = await Worker.Login(MeterId, snapshot!.SealedPackage!, loginRequest, Options.SessionIdleTimeout, Options.SessionMaxLifetime);
        switch (checkedLogin.Verdict)
        {
            case nameof(LoginVerdict.Ok):
                await Module.OpenClientSession(checkedLogin.Session!);
                if (state.State.FailedLogins != 0 || state.State.LockedUntil is not null)
                {
                    state.State.FailedLogins = 0;
                    state.State.LockedUntil = null;
                    await state.WriteStateAsync();
                }
                return new ClientProtocolResult(ErrorCode.None, null, checkedLogin.Response, snapshot.Registers);
            case nameof(LoginVerdict.WrongPassword):
                return await WrongPasswordAsync(now);
            case nameof(LoginVerdict.BadMac):
                // Not from the HMK's holder: no session is opened, and the open one (its holder's) is left alone.
                return ClientProtocolResult.Fail(ErrorCode.RequestMacInvalid, "the login does not open under this meter's HMK");
            case nameof(LoginVerdict.MalformedVerifier):
                logger.LogError("Meter {MeterId}: the package's password verifier is malformed", MeterId);
                return ClientProtocolResult.Fail(ErrorCode.Internal, "the meter's password verifier is unreadable; contact support");
            case var other when Unreadable(other) is { } code:
                return await UnreadableAsync(code);
            default:
                return ClientProtocolResult.Fail(ErrorCode.MalformedRequest, $"not a login request for meter {MeterId}");
        }
    }

    public Task Logout() => Module.EndClientSession();

    public async Task<ClientProtocolResult> ChangePassword(byte[] passwordChangeRequest, string idempotencyKey)
    {
        var digest = SHA256.HashData(passwordChangeRequest);
        var snapshot = await Meter.Snapshot();
        if (Registered(snapshot) is { } refused) return refused;
        if (state.State.LastPasswordChange is { } last && CryptographicOperations.FixedTimeEquals(last, digest))
            return new ClientProtocolResult(ErrorCode.None, null, null, snapshot!.Registers); // a retry of the change that was made
        var now = clock.GetUtcNow();
        if (state.State.LockedUntil is { } locked && locked > now)
            return ClientProtocolResult.Fail(ErrorCode.TooManyLoginAttempts, $"too many wrong passwords; meter {MeterId} refuses password checks until {locked:O}",
                retryAfter: locked - now);

        var check = await Worker.CheckPasswordChange(MeterId, snapshot!.SealedPackage!, passwordChangeRequest, Options.PasswordIterations,
            Options.PassphraseHistoryDepth);
        switch (check.Verdict)
        {
            case nameof(PasswordChangeVerdict.Ok):
                var result = await Meter.Execute(idempotencyKey, check.Command!);
                if (!result.IsSuccess) return ClientProtocolResult.Fail(result.Error, result.Message!);
                state.State.LastPasswordChange = digest;
                state.State.FailedLogins = 0;
                await state.WriteStateAsync();
                logger.LogInformation("Meter {MeterId}: password changed", MeterId);
                return new ClientProtocolResult(ErrorCode.None, null, null, result.Registers);
            case nameof(PasswordChangeVerdict.WrongPassword):
                return await WrongPasswordAsync(now);
            case nameof(PasswordChangeVerdict.Rejected):
                return ClientProtocolResult.Fail(ErrorCode.PasswordRejected, $"the new password is refused: {check.Violation}", check.Violation);
            case nameof(PasswordChangeVerdict.MalformedVerifier):
                return ClientProtocolResult.Fail(ErrorCode.Internal, "the meter's password verifier is unreadable; contact support");
            case var other when Unreadable(other) is { } code:
                return await UnreadableAsync(code);
            default:
                return ClientProtocolResult.Fail(ErrorCode.RequestMacInvalid, "the password change does not open under this meter's HMK");
        }
    }

    public async Task<ClientTransactionResult> Transact(byte[] signedRequest, string initiatedBy)
    {
        var decoded = SignedRequest.Decode(signedRequest);
        if (!decoded.IsSuccess || decoded.Value.MeterId != MeterId)
            return ClientTransactionResult.Refused(ErrorCode.MalformedRequest, $"not a signed request for meter {MeterId}");
        var request = decoded.Value;
        var snapshot = await Meter.Snapshot();
        if (Registered(snapshot) is { } refused) return ClientTransactionResult.Refused(refused.Error, refused.Message!);

        // The meter executes and the module checks the request (MAC, session, challenge, registers) and signs the answer
        // in the same step: a retry of a transaction that executed before its answer was lost (registers moved since)
        // gets its first result from the meter's idempotency store, signed for the request's challenge.
        var result = await Meter.ExecuteSigned(request.IdempotencyKey, ToCommand(request.Transaction) with { InitiatedBy = initiatedBy },
            new ExpectedRegisters(request.AscendingMills, request.DescendingMills), signedRequest);
        Faults.FaultPoints.Reached(Faults.FaultPoints.MeterAnswered);
        // Refused before the module answered (the meter is inhibited, not registered): nothing is signed with its HMK.
        if (result.Answer is not { } answer) return ClientTransactionResult.Refused(result.Error, result.Message!);
        switch (answer.Verdict)
        {
            case nameof(RequestVerdict.Ok) or nameof(RequestVerdict.RegisterMismatch):
                return new ClientTransactionResult(ErrorCode.None, null, answer.Response, answer.Payload, result.Error, result.Message, answer.Registers,
                    result.Indicium, result.IsSuccess ? result.AmountMills : request.Transaction.AmountMills, Retry: false, snapshot!.LicensingZip,
                    snapshot.CertificateSerial);
            case nameof(RequestVerdict.Retry):
                var stored = SignedResponse.Decode(answer.Response!).Value!;
                IssuedIndicium? issued = null;
                if (TransactionPayload.TryReadIndicium(answer.Payload, out var id, out var bytes))
                    issued = new IssuedIndicium(id, MeterId, long.Parse(id.AsSpan(MeterId.Length + 1), System.Globalization.CultureInfo.InvariantCulture),
                        request.Transaction.AmountMills, DateTimeOffset.MinValue, bytes[..^64], bytes[^64..]);
                return new ClientTransactionResult(ErrorCode.None, null, answer.Response, answer.Payload, (ErrorCode)stored.Outcome, null,
                    snapshot!.Registers, issued, request.Transaction.AmountMills, Retry: true, snapshot.LicensingZip, snapshot.CertificateSerial);
            case nameof(RequestVerdict.BadMac):
                return ClientTransactionResult.Refused(ErrorCode.RequestMacInvalid, "the request's MAC does not verify under this meter's HMK");
            case nameof(RequestVerdict.UnknownSession):
                return ClientTransactionResult.Refused(ErrorCode.SessionUnknown, $"meter {MeterId} has no open session with this id; log in again");
            case nameof(RequestVerdict.SessionExpired):
                return ClientTransactionResult.Refused(ErrorCode.SessionExpired, "the session expired; log in again");
            case nameof(RequestVerdict.StaleChallenge):
                return ClientTransactionResult.Refused(ErrorCode.ChallengeReplayed,
                    "the challenge was already used by another request; a replay is refused (sign on the current challenge)");
            case nameof(RequestVerdict.WrongChallenge):
                return ClientTransactionResult.Refused(ErrorCode.ChallengeUnknown, "the challenge is not one this session issued or still remembers");
            case var other when Unreadable(other) is { } code:
                var unreadable = await UnreadableAsync(code);
                return ClientTransactionResult.Refused(unreadable.Error, unreadable.Message!);
            case var other when Enum.TryParse<ErrorCode>(other, out var code):
                // The module refused to answer (the meter inhibited, or its row not the current one): nothing was signed.
                return ClientTransactionResult.Refused(code, result.Message ?? $"meter {MeterId}: {code}");
            default:
                throw new InvalidOperationException($"meter {MeterId}: the module answered a signed request with the unknown verdict '{answer.Verdict}'");
        }
    }

    /// <summary>A worker verdict that names why the package did not open (an ErrorCode name) rather than a protocol verdict.</summary>
    private static ErrorCode? Unreadable(string verdict) =>
        verdict is nameof(ErrorCode.PackageTampered) or nameof(ErrorCode.PackageMeterMismatch) or nameof(ErrorCode.MeterNotRegistered)
            or nameof(ErrorCode.CheckpointMismatch) && Enum.TryParse<ErrorCode>(verdict, out var code) ? code : null;

    /// <summary>
    /// A package the module session vouched for did not open for the client protocol after all: the meter is judged
    /// again (the module inhibits it if the row is not its own), and the request refused.
    /// </summary>
    private async Task<ClientProtocolResult> UnreadableAsync(ErrorCode code)
    {
        logger.LogError("Meter {MeterId}: the PSD package does not open for the client protocol ({Code}); the module session judges the row again", MeterId, code);
        var audit = await Meter.Reconcile();
        return audit.State == nameof(Domain.Meters.MeterState.Inhibited)
            ? ClientProtocolResult.Fail(ErrorCode.MeterInhibited, $"meter {MeterId} is inhibited: {audit.InhibitReason}; an operator must recover it")
            : ClientProtocolResult.Fail(code, $"meter {MeterId}'s PSD package does not open ({code}); an operator must look at it");
    }

    private ClientProtocolResult Inhibited(MeterSnapshot snapshot) =>
        ClientProtocolResult.Fail(ErrorCode.MeterInhibited, $"meter {MeterId} is inhibited: {snapshot.InhibitReason}; an operator must recover it");

    private ClientProtocolResult? Registered(MeterSnapshot? snapshot) => snapshot switch
    {
        null => ClientProtocolResult.Fail(ErrorCode.MeterNotFound, $"meter {MeterId} does not exist"),
        { IsInhibited: true } => Inhibited(snapshot),
        { Registers.State: nameof(Domain.Meters.MeterState.Provisioned) or nameof(Domain.Meters.MeterState.Licensed) } =>
            ClientProtocolResult.Fail(ErrorCode.MeterNotRegistered, $"meter {MeterId} has no registered client; register first"),
        _ => null,
    };

    /// <summary>The seed: a failed password terminates the session. Failures in a row past the limit lock logins for a while.</summary>
    private async Task<ClientProtocolResult> WrongPasswordAsync(DateTimeOffset now)
    {
        await Module.EndClientSession();
        state.State.FailedLogins++;
        var lockedNow = state.State.FailedLogins >= Options.MaxFailedLogins;
        if (lockedNow)
        {
            state.State.LockedUntil = now + Options.LoginLockout;
            state.State.FailedLogins = 0;
        }
        await state.WriteStateAsync();
        logger.LogWarning("Meter {MeterId}: wrong password; the session is ended{Locked}", MeterId, lockedNow ? " and logins are locked" : "");
        return ClientProtocolResult.Fail(ErrorCode.WrongPassword, "wrong password; the session is ended");
    }

    private static MeterCommand ToCommand(TransactionBody t) => t.Kind switch
    {
        TransactionKinds.Print => new PrintCommand(new PrintRequest(t.AmountMills, t.DestinationZip, t.MailClass, t.ItemKind, VbiOrleans.Abstractions.Meters.PrintShipments.Of(t.Shipment))),
        TransactionKinds.PostageValueDownload => new PostageValueDownloadCommand(t.AmountMills, t.PaymentReference),
        TransactionKinds.Refund => new RefundCommand(t.IndiciumId),
        TransactionKinds.Withdraw => new WithdrawCommand(),
        _ => throw new ArgumentException($"unknown transaction kind {t.Kind}"),
    };
}
