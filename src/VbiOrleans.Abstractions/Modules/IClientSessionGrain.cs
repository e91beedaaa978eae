using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Abstractions.Modules;

/// <summary>
/// The module's side of the client protocol for one meter (key: the meter id; docs/client-protocol.md): registration,
/// login, password change and every money-moving request. Its state (the open <c>ModuleSession</c>: session id,
/// current challenge, the last exchanges) lives in the <c>module</c> store, never in the API layer. The HMK never
/// reaches it: the crypto worker opens the package, checks MACs and signs replies. Messages cross as their binary
/// encodings (the API decodes the JSON forms).
/// </summary>
public interface IClientSessionGrain : IGrainWithStringKey
{
    /// <summary>Registration, first half: answers the client's challenge with an ephemeral key signed by the module identity key.</summary>
    Task<ClientProtocolResult> BeginRegistration(byte[] registrationRequest);

    /// <summary>Registration, second half: opens the envelope (HMK and password) and activates the meter with them.</summary>
    Task<ClientProtocolResult> CompleteRegistration(byte[] registrationEnvelope);

    /// <summary>Opens a session (replacing any open one). A wrong password ends the open session and counts a failure.</summary>
    Task<ClientProtocolResult> Login(byte[] loginRequest);

    /// <summary>Ends the open session, if any.</summary>
    Task Logout();

    /// <summary>Replaces the password: the current one must match, the new one must not be in the passphrase repetition list.</summary>
    Task<ClientProtocolResult> ChangePassword(byte[] passwordChangeRequest, string idempotencyKey);

    /// <summary>
    /// A signed money-moving request: the MAC under the HMK, the session, the challenge (current, a retry of a consumed
    /// one, or refused) and the registers; then the meter executes and the module signs the answer with the next challenge.
    /// <paramref name="initiatedBy"/> (<c>customer</c> or <c>partner:{id}</c>) goes into the log record with the command.
    /// </summary>
    Task<ClientTransactionResult> Transact(byte[] signedRequest, string initiatedBy);
}

/// <summary>
/// The answer to registration, login or a password change: <see cref="Reply"/> is the protocol message to send back
/// (binary), or <see cref="Error"/> names why not. <see cref="Detail"/> carries a password policy violation's name.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ClientProtocolResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] byte[]? Reply,
    [property: Id(3)] RegistersView? Registers,
    [property: Id(4)] string? Detail = null,
    [property: Id(5)] TimeSpan? RetryAfter = null)
{
    public bool IsSuccess => Error == ErrorCode.None;

    public static ClientProtocolResult Fail(ErrorCode error, string message, string? detail = null, TimeSpan? retryAfter = null) =>
        new(error, message, null, null, detail, retryAfter);
}

/// <summary>
/// The answer to a signed request. When <see cref="Error"/> is None the module answered with <see cref="SignedResponse"/>
/// (binary), which consumed the challenge: <see cref="Outcome"/> is what happened (None: executed; otherwise the
/// refusal, e.g. InsufficientFunds or RegistersMismatch), <see cref="Payload"/> is what its payload hash covers.
/// Otherwise the request was refused before the module answered (bad MAC, unknown session, replayed challenge) and
/// nothing changed. <see cref="Registers"/>, <see cref="LicensingZip"/> and <see cref="CertificateSerial"/> describe the
/// meter as the answer left it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ClientTransactionResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] byte[]? SignedResponse,
    [property: Id(3)] byte[] Payload,
    [property: Id(4)] ErrorCode Outcome,
    [property: Id(5)] string? OutcomeMessage,
    [property: Id(6)] RegistersView? Registers,
    [property: Id(7)] IssuedIndicium? Indicium,
    [property: Id(8)] long AmountMills,
    [property: Id(9)] bool Retry,
    [property: Id(10)] string? LicensingZip = null,
    [property: Id(11)] string? CertificateSerial = null)
{
    public static ClientTransactionResult Refused(ErrorCode error, string message) =>
        new(error, message, null, [], ErrorCode.None, null, null, null, 0, false);
}

/// <summary>What the crypto worker answers to a registration request, and the pending registration (secret) to keep.</summary>
[GenerateSerializer, Immutable]
public sealed record RegistrationChallenge([property: Id(0)] byte[] Response, [property: Id(1)] byte[] Pending);

/// <summary>The opened envelope: the HMK and password verifier, or the protocol's error and any password policy violation.</summary>
[GenerateSerializer, Immutable]
public sealed record RegistrationOpened(
    [property: Id(0)] string Error,
    [property: Id(1)] string Violation,
    [property: Id(2)] byte[]? Hmk,
    [property: Id(3)] byte[]? PasswordVerifier);

/// <summary>The worker's answer to a login: the verdict (LoginVerdict name), the response and the session to keep.</summary>
[GenerateSerializer, Immutable]
public sealed record LoginChecked(
    [property: Id(0)] string Verdict,
    [property: Id(1)] byte[]? Response,
    [property: Id(2)] byte[]? Session);

/// <summary>
/// The module's answer to a signed request (docs/client-protocol.md, "Operational state"): the verdict (RequestVerdict
/// name) and, for Ok and RegisterMismatch, the signed response that consumed the challenge (for Retry, the stored one)
/// with the payload its hash covers and the registers it carries. Any other verdict refused the request: nothing was
/// signed, nothing changed.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ClientAnswer(
    [property: Id(0)] string Verdict,
    [property: Id(1)] byte[]? Response,
    [property: Id(2)] byte[] Payload,
    [property: Id(3)] RegistersView? Registers)
{
    public static ClientAnswer Refused(string verdict) => new(verdict, null, [], null);
}

/// <summary>What the crypto worker signed for a request: the answer, and the client session after it (null when unchanged).</summary>
[GenerateSerializer, Immutable]
public sealed record SignedAnswer([property: Id(0)] ClientAnswer Answer, [property: Id(1)] byte[]? Session);

/// <summary>A command executed for a signed request in one opening of the package: the worker's outcome and its signed answer.</summary>
[GenerateSerializer, Immutable]
public sealed record SignedWorkerOutcome([property: Id(0)] WorkerOutcome Outcome, [property: Id(1)] SignedAnswer Signed);

/// <summary>The worker's answer to a password change: the verdict (PasswordChangeVerdict name) and the command to execute.</summary>
[GenerateSerializer, Immutable]
public sealed record PasswordChangeChecked(
    [property: Id(0)] string Verdict,
    [property: Id(1)] string Violation,
    [property: Id(2)] ChangePasswordCommand? Command);
