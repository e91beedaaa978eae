namespace VbiOrleans.Abstractions.Modules;

/// <summary>
/// Module memory for one meter (key: the meter id): the last K checkpoints, in the <c>module</c> store, apart from
/// the postal store. Before every command it compares the postal store's checkpoint with memory and follows the
/// recovery matrix; after the crypto worker executes, it writes the new checkpoint durably before answering.
/// </summary>
public interface IModuleSessionGrain : IGrainWithStringKey
{
    /// <summary>Makes the meter with its number (<see cref="Meters.IMeterNumberGrain"/>), its device serial.</summary>
    Task<ModuleOutcome> Provision(long meterNumber);

    /// <summary>
    /// Steps 4 to 6 for a command. With <see cref="ModuleRequest.SignedRequest"/>, the worker also checks the customer's
    /// request and signs the answer (<see cref="ModuleOutcome.Answer"/>), and module memory is written once with the
    /// new checkpoint and the client session that consumed the challenge.
    /// </summary>
    Task<ModuleOutcome> Process(ModuleRequest request);

    /// <summary>
    /// The module's signed answer to a customer's request the meter answers without executing (a known key's first
    /// result, or a refusal such as a pending licence): the request is checked like any other and, if it consumes the
    /// challenge, answered with <paramref name="outcome"/> and <paramref name="payload"/>; the session is written.
    /// </summary>
    Task<ClientAnswer> Answer(ModuleRequest request, ErrorCode outcome, byte[] payload);

    /// <summary>Opens a client session (a login), replacing any open one; written with module memory.</summary>
    Task OpenClientSession(byte[] session);

    /// <summary>Ends the open client session, if any (logout, a wrong password, a new registration).</summary>
    Task EndClientSession();

    /// <summary>
    /// The checkpoint protocol without a command, for everything that reads the package outside a command (the
    /// client protocol, reads, reconcile): compares the postal row (null package: the row is gone) with module memory
    /// by the same rule as <see cref="Process"/>, then checks that the package opens for this meter and describes the
    /// checkpoint. Answers <c>None</c> with the package's registers; <c>PostalStoreBehind</c> with the logged
    /// transactions to roll forward; <c>MeterInhibited</c> (with module memory's last checkpoint) for a row that is not
    /// this meter's genuine row, inhibiting it the first time; <c>MeterNotFound</c> before provisioning.
    /// </summary>
    Task<ModuleOutcome> Verify(CheckpointData? postalCheckpoint, byte[]? sealedPackage);

    Task<IReadOnlyList<CheckpointData>> Memory();

    /// <summary>Why the module inhibited this meter, or null.</summary>
    Task<string?> InhibitReason();

    /// <summary>Module memory's audit records (rollbacks, inhibits, recoveries), oldest first.</summary>
    Task<IReadOnlyList<string>> AuditTrail();

    /// <summary>
    /// Recovery, first half: the meter's last logged transaction (sealed package, checkpoint, registers), verified
    /// against module memory (checkpoint in memory, MAC included; package opens for this meter and agrees), or
    /// <c>LogCannotBridge</c> (<c>MeterNotFound</c> for a meter never provisioned). Changes nothing.
    /// </summary>
    Task<ModuleOutcome> RecoveryPoint();

    /// <summary>
    /// Recovery, second half, once the meter has rebuilt its postal row from the log: accepts exactly the recovery
    /// point's package and checkpoint, drops any module-memory checkpoint after it (never logged, never released),
    /// lifts the inhibition and writes the audit record. Answers the dropped sequences in <c>RolledBack</c>.
    /// </summary>
    Task<ModuleOutcome> Recover(CheckpointData postalCheckpoint, byte[] sealedPackage, string operatorName, string reason);
}

/// <summary>
/// The stateless crypto module: any activation on any silo processes any meter's package. It unwraps the meter's
/// data key in the HSM (cached while the meter is active), verifies, executes and signs.
/// </summary>
public interface ICryptoWorkerGrain : IGrainWithIntegerKey
{
    Task<ProvisionedMeter> Provision(string meterId, long meterNumber);

    Task<bool> VerifyCheckpoint(CheckpointData checkpoint);

    Task<WorkerOutcome> Execute(ModuleRequest request);

    /// <summary>Re-MACs nothing: checks a sealed package opens for this meter (operator recovery).</summary>
    Task<WorkerOutcome> Open(string meterId, byte[] sealedPackage);

    // The client protocol (docs/client-protocol.md). The HMK and the password verifier stay inside the worker: it
    // opens the package, runs the protocol's module half and returns only protocol messages and verdicts.

    /// <summary>Registration, first half: an ephemeral key signed with the module identity key in the HSM.</summary>
    Task<RegistrationChallenge> RespondToRegistration(byte[] registrationRequest);

    /// <summary>Registration, second half: opens the envelope with the pending registration's private key.</summary>
    Task<RegistrationOpened> OpenRegistration(byte[] pending, byte[] registrationEnvelope, int passwordIterations, int historyDepth);

    /// <summary>A login against the package's HMK and verifier; a new session on success.</summary>
    Task<LoginChecked> Login(string meterId, byte[] sealedPackage, byte[] loginRequest, TimeSpan idleTimeout, TimeSpan maxLifetime);

    /// <summary>
    /// <see cref="Execute"/> for a customer's signed request, in one opening of the package: RequestAuthenticator.Verify
    /// with the package's HMK and registers; on Ok or RegisterMismatch the command runs (it is refused with
    /// RegistersMismatch on the latter) and ModuleSession.Reply signs the outcome over the registers after it, with the
    /// indicium as payload. A refused verdict executes nothing; Retry answers the stored exchange.
    /// </summary>
    Task<SignedWorkerOutcome> ExecuteSigned(ModuleRequest request, byte[]? session, TimeSpan idleTimeout, TimeSpan maxLifetime);

    /// <summary>The verdict on a signed request and, when it consumes the challenge, ModuleSession.Reply with this outcome and payload.</summary>
    Task<SignedAnswer> Answer(string meterId, byte[] sealedPackage, byte[]? session, byte[] signedRequest, int outcome, byte[] payload,
        TimeSpan idleTimeout, TimeSpan maxLifetime);

    /// <summary>Checks a password change against the package's HMK, verifier and passphrase repetition list.</summary>
    Task<PasswordChangeChecked> CheckPasswordChange(string meterId, byte[] sealedPackage, byte[] passwordChangeRequest, int passwordIterations,
        int historyDepth);
}

/// <summary>The postal CA (a single activation): its certificate, made once with the CA key in the HSM.</summary>
public interface IPostalCaGrain : IGrainWithIntegerKey
{
    Task<byte[]> Certificate();
}

/// <summary>
/// The system-wide guard: counts verification failures (inhibits) in a window; past the threshold it stops PVD and
/// printing everywhere until an operator resumes. An operator may also stop them by hand.
/// </summary>
public interface ISystemGuardGrain : IGrainWithIntegerKey
{
    Task ReportVerificationFailure(string meterId, string moduleSerial, string reason);

    Task<SystemGuardStatus> Status();

    /// <summary>Stops PVD and printing system-wide by an operator's decision; a system already stopped stays as it was (the answer says so).</summary>
    Task<SystemStopResult> Stop(string operatorName, string reason);

    Task<SystemGuardStatus> Resume(string operatorName);
}

/// <summary>StoppedBy is the operator who stopped the system by hand; null when the guard stopped it (or it runs).</summary>
[GenerateSerializer, Immutable]
public sealed record SystemGuardStatus(
    [property: Id(0)] bool Stopped,
    [property: Id(1)] string? Reason,
    [property: Id(2)] int FailuresInWindow,
    [property: Id(3)] DateTimeOffset? StoppedAt,
    [property: Id(4)] string? StoppedBy = null);

/// <summary>An operator's stop: AlreadyStopped when the system was stopped before (nothing changed: the earlier reason stays).</summary>
[GenerateSerializer, Immutable]
public sealed record SystemStopResult([property: Id(0)] bool AlreadyStopped, [property: Id(1)] SystemGuardStatus Status);
