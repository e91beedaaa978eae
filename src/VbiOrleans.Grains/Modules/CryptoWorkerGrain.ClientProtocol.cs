using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Hsm;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Grains.Modules;

/// <summary>
/// The crypto module's half of the client protocol (docs/client-protocol.md). The HMK and the password verifier exist
/// in clear only here, for the length of one call, after the package is opened with the meter's data key: the
/// callers get protocol messages and verdicts, never a key.
/// </summary>
public sealed partial class CryptoWorkerGrain
{
    private HsmKey? _identityKey;

    public async Task<RegistrationChallenge> RespondToRegistration(byte[] registrationRequest)
    {
        var request = RegistrationRequest.Decode(registrationRequest);
        if (!request.IsSuccess) throw new ArgumentException($"not a registration request: {request}", nameof(registrationRequest));
        var identity = await IdentityKeyAsync();
        var answer = await RegistrationModule.RespondAsync(request.Value, ModuleIdentitySigner.FromDelegate(d => crypto.Hsm.SignDigestAsync(identity, d)),
            ModulePublicKey.FromSubjectPublicKeyInfo(identity.PublicKey), clock.GetUtcNow());
        return new RegistrationChallenge(answer.Response.Encode(), answer.Pending.Encode());
    }

    public Task<RegistrationOpened> OpenRegistration(byte[] pending, byte[] registrationEnvelope, int passwordIterations, int historyDepth)
    {
        var p = PendingRegistration.Decode(pending);
        var envelope = RegistrationEnvelope.Decode(registrationEnvelope);
        if (!p.IsSuccess || !envelope.IsSuccess) return Task.FromResult(new RegistrationOpened(nameof(RegistrationError.EnvelopeUnreadable), "None", null, null));
        var opened = RegistrationModule.Open(p.Value, envelope.Value, clock.GetUtcNow(),
            new PasswordOptions { Iterations = passwordIterations, HistoryDepth = historyDepth });
        return Task.FromResult(opened.IsSuccess
            ? new RegistrationOpened(nameof(RegistrationError.None), "None", opened.Secrets!.Hmk, opened.Secrets.PasswordVerifier)
            : new RegistrationOpened(opened.Error.ToString(), opened.PasswordViolation.ToString(), null, null));
    }

    public async Task<LoginChecked> Login(string meterId, byte[] sealedPackage, byte[] loginRequest, TimeSpan idleTimeout, TimeSpan maxLifetime)
    {
        var request = LoginRequest.Decode(loginRequest);
        if (!request.IsSuccess || request.Value.MeterId != meterId) return new LoginChecked(nameof(LoginVerdict.NotForThisRequest), null, null);
        var (package, unreadable) = await OpenForClientAsync(meterId, sealedPackage);
        if (package is null) return new LoginChecked(unreadable, null, null);
        var secrets = package.UserSecrets!;
        var accepted = LoginModule.Accept(request.Value, secrets.Hmk, secrets.PasswordVerifier, package.Registers.Ascending.Value,
            package.Registers.Descending.Value, clock.GetUtcNow(), Sessions(idleTimeout, maxLifetime));
        return new LoginChecked(accepted.Verdict.ToString(), accepted.Response?.Encode(), accepted.Session?.Encode());
    }

    public async Task<SignedWorkerOutcome> ExecuteSigned(ModuleRequest request, byte[]? session, TimeSpan idleTimeout, TimeSpan maxLifetime)
    {
        var signed = SignedRequest.Decode(request.SignedRequest);
        if (!signed.IsSuccess) throw new ArgumentException($"not a signed request: {signed}", nameof(request));
        var id = MeterId.Parse(request.MeterId);
        var opened = await OpenAsync(id, request.SealedPackage);
        if (!opened.IsSuccess) return new(Fail(opened.Error), new(ClientAnswer.Refused(opened.Error.Code.ToString()), null));
        var (package, dataKey) = opened.Value;
        if (package.UserSecrets is null)
            return new(Fail(new DomainError(ErrorCode.MeterNotRegistered, $"meter {id} has no registered client")), new(ClientAnswer.Refused(nameof(ErrorCode.MeterNotRegistered)), null));

        var open = OpenSession(session);
        var verification = RequestAuthenticator.Verify(signed.Value, package.UserSecrets.Hmk, open, package.Registers.Ascending.Value,
            package.Registers.Descending.Value, clock.GetUtcNow());
        if (!verification.ConsumesChallenge) return new(NotExecuted, new(Unanswered(verification), null));

        // The registers the client signed differ: refused like any command whose expected registers differ, and answered
        // with the module's, so the client can resynchronize.
        var (outcome, next) = verification.Verdict == RequestVerdict.RegisterMismatch
            ? (Fail(new DomainError(ErrorCode.RegistersMismatch, "the client's registers differ from the meter's")), null)
            : await ExecuteOpenedAsync(request, id, package, dataKey);
        // A package or checkpoint the module cannot vouch for is the module session's to judge: nothing is signed.
        if (Domain.Checkpoints.RecoveryMatrix.CauseOf(outcome.Error) is not null) return new(outcome, new(ClientAnswer.Refused(outcome.Error.ToString()), null));

        var payload = ClientPayload.Of(outcome.Indicium);
        var registers = next ?? package;
        var reply = open!.Reply(package.UserSecrets.Hmk, signed.Value, (int)outcome.Error, registers.Registers.Ascending.Value, registers.Registers.Descending.Value,
            payload, clock.GetUtcNow(), Sessions(idleTimeout, maxLifetime));
        return new(outcome, new(new ClientAnswer(verification.Verdict.ToString(), reply.Response.Encode(), payload, registers.ToView()), reply.Session.Encode()));
    }

    public async Task<SignedAnswer> Answer(string meterId, byte[] sealedPackage, byte[]? session, byte[] signedRequest, int outcome, byte[] payload,
        TimeSpan idleTimeout, TimeSpan maxLifetime)
    {
        var request = SignedRequest.Decode(signedRequest);
        if (!request.IsSuccess) throw new ArgumentException($"not a signed request: {request}", nameof(signedRequest));
        var (package, unreadable) = await OpenForClientAsync(meterId, sealedPackage);
        if (package is null) return new(ClientAnswer.Refused(unreadable), null);
        var open = OpenSession(session);
        var verification = RequestAuthenticator.Verify(request.Value, package.UserSecrets!.Hmk, open, package.Registers.Ascending.Value,
            package.Registers.Descending.Value, clock.GetUtcNow());
        if (!verification.ConsumesChallenge) return new(Unanswered(verification), null);
        var reply = open!.Reply(package.UserSecrets.Hmk, request.Value, outcome, package.Registers.Ascending.Value, package.Registers.Descending.Value,
            payload, clock.GetUtcNow(), Sessions(idleTimeout, maxLifetime));
        return new(new ClientAnswer(verification.Verdict.ToString(), reply.Response.Encode(), payload, package.ToView()), reply.Session.Encode());
    }

    /// <summary>A verdict that executes nothing: refused, or (Retry) the stored exchange with the registers it carried.</summary>
    private static ClientAnswer Unanswered(RequestVerification verification) => verification.StoredExchange is { } stored
        ? new ClientAnswer(verification.Verdict.ToString(), stored.Response.Encode(), stored.Payload.ToArray(), null)
        : ClientAnswer.Refused(verification.Verdict.ToString());

    private static readonly WorkerOutcome NotExecuted = new(ErrorCode.None, null, null, null, null, null);

    private static ModuleSession? OpenSession(byte[]? session) =>
        session is null ? null : ModuleSession.Decode(session) is { IsSuccess: true } decoded ? decoded.Value : null;

    public async Task<PasswordChangeChecked> CheckPasswordChange(string meterId, byte[] sealedPackage, byte[] passwordChangeRequest,
        int passwordIterations, int historyDepth)
    {
        var request = PasswordChangeRequest.Decode(passwordChangeRequest);
        if (!request.IsSuccess || request.Value.MeterId != meterId)
            return new PasswordChangeChecked(nameof(PasswordChangeVerdict.BadMac), "None", null);
        var (package, unreadable) = await OpenForClientAsync(meterId, sealedPackage);
        if (package is null) return new PasswordChangeChecked(unreadable, "None", null);
        var result = PasswordChange.Accept(request.Value, package.UserSecrets!.Hmk, package.UserSecrets.PasswordVerifier,
            package.PassphraseRepetitionList, new PasswordOptions { Iterations = passwordIterations, HistoryDepth = historyDepth });
        return result.Verdict == PasswordChangeVerdict.Ok
            ? new PasswordChangeChecked(result.Verdict.ToString(), "None", new Abstractions.Meters.ChangePasswordCommand(result.Verifier!, result.RepetitionList!))
            : new PasswordChangeChecked(result.Verdict.ToString(), result.Violation.ToString(), null);
    }

    /// <summary>
    /// Opens a registered meter's package; when it does not open (edited, swapped), the ErrorCode name of why. Callers
    /// pass only packages the meter's module session has judged, so this is a second line: the caller has the module
    /// session judge the row again, which inhibits the meter.
    /// </summary>
    private async Task<(PsdPackage? Package, string Unreadable)> OpenForClientAsync(string meterId, byte[] sealedPackage)
    {
        var opened = await OpenAsync(MeterId.Parse(meterId), sealedPackage);
        if (!opened.IsSuccess) return (null, opened.Error.Code.ToString());
        if (opened.Value.Package.UserSecrets is null) return (null, nameof(ErrorCode.MeterNotRegistered));
        return (opened.Value.Package, "");
    }

    private async Task<HsmKey> IdentityKeyAsync()
    {
        if (_identityKey is { } cached) return cached;
        await crypto.PrepareKeysAsync();
        var key = await crypto.Hsm.FindKeyAsync(ModuleCrypto.IdentityKeyLabel)
            ?? throw new InvalidOperationException($"the module identity key '{ModuleCrypto.IdentityKeyLabel}' is not in {crypto.Hsm.Name}");
        return _identityKey = key;
    }

    private static SessionOptions Sessions(TimeSpan idle, TimeSpan max) => new() { IdleTimeout = idle, MaxLifetime = max };
}
