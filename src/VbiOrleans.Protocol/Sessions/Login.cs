using System.Security.Cryptography;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Sessions;

/// <summary>The verdict on a login, on either side. Stable names; new ones are added at the end.</summary>
public enum LoginVerdict
{
    Ok = 0,
    /// <summary>Module: the sealed password does not open under this meter's HMK. Client: the response's MAC does not verify.</summary>
    BadMac = 1,
    /// <summary>Module: the password does not match the verifier. No session; the server ends any open one.</summary>
    WrongPassword = 2,
    /// <summary>Module: the stored verifier is not one this code wrote (a storage fault).</summary>
    MalformedVerifier = 3,
    /// <summary>Client: an authentic response to another login (another meter or client challenge).</summary>
    NotForThisRequest = 4,
}

/// <summary>The module's result of a login: the response to send and the session to keep, or the verdict.</summary>
public sealed record LoginAcceptance(LoginVerdict Verdict, LoginResponse? Response, ModuleSession? Session);

/// <summary>The client's result of a login: the challenge chain to sign requests with, or the verdict.</summary>
public sealed record LoginCompletion(LoginVerdict Verdict, ChallengeChain? Chain);

/// <summary>The client's half of a login.</summary>
public static class LoginClient
{
    /// <summary>A login request: a fresh client challenge and the password sealed under the HMK.</summary>
    public static LoginRequest CreateRequest(string meterId, ReadOnlySpan<byte> hmk, string password, RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        Fields.MeterId(meterId);
        var clientChallenge = Fields.Random(ProtocolConstants.ChallengeSize, rng);
        var (key, nonce) = LoginKeys.Derive(hmk, clientChallenge, meterId);
        var padded = PasswordText.Padded(password);
        var sealedPassword = new byte[padded.Length];
        var tag = new byte[LoginRequest.TagSize];
        using (var aes = new AesGcm(key, LoginRequest.TagSize))
        {
            aes.Encrypt(nonce, padded, sealedPassword, tag, LoginKeys.AssociatedData(meterId, clientChallenge));
        }
        CryptographicOperations.ZeroMemory(padded);
        CryptographicOperations.ZeroMemory(key);
        return new LoginRequest(meterId, clientChallenge, sealedPassword, tag);
    }

    /// <summary>Verifies the module's response to <paramref name="request"/> and starts the challenge chain from it.</summary>
    public static LoginCompletion Complete(LoginRequest request, LoginResponse response, ReadOnlySpan<byte> hmk)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        if (!Fields.Equal(Fields.Mac(hmk, response.MacInput()), response.Mac.Span)) return new(LoginVerdict.BadMac, null);
        if (!string.Equals(request.MeterId, response.MeterId, StringComparison.Ordinal)
            || !Fields.Equal(request.ClientChallenge.Span, response.ClientChallenge.Span))
            return new(LoginVerdict.NotForThisRequest, null);
        var state = new ChainState(response.SessionId.Span, response.Challenge.Span, response.AscendingMills, response.DescendingMills);
        return new(LoginVerdict.Ok, ChallengeChain.Resume(response.MeterId, hmk, state));
    }
}

/// <summary>The module's half of a login.</summary>
public static class LoginModule
{
    /// <summary>
    /// Opens the sealed password with the meter's HMK, checks it against the verifier (constant time), and on success
    /// starts a session whose first challenge goes back in a response MAC'd with the HMK, with the module's registers.
    /// </summary>
    public static LoginAcceptance Accept(LoginRequest request, ReadOnlySpan<byte> hmk, ReadOnlySpan<byte> passwordVerifier,
        long ascendingMills, long descendingMills, DateTimeOffset now, SessionOptions? options = null, RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (key, nonce) = LoginKeys.Derive(hmk, request.ClientChallenge.Span, request.MeterId);
        var padded = new byte[LoginRequest.SealedPasswordSize];
        try
        {
            using (var aes = new AesGcm(key, LoginRequest.TagSize))
            {
                aes.Decrypt(nonce, request.SealedPassword.Span, request.Tag.Span, padded, LoginKeys.AssociatedData(request.MeterId, request.ClientChallenge.Span));
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            return new(LoginVerdict.BadMac, null, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        var password = PasswordText.FromPadded(padded);
        CryptographicOperations.ZeroMemory(padded);
        if (password is null) return new(LoginVerdict.BadMac, null, null);
        switch (PasswordVerifier.Verify(password, passwordVerifier))
        {
            case PasswordCheck.MalformedVerifier: return new(LoginVerdict.MalformedVerifier, null, null);
            case PasswordCheck.Mismatch: return new(LoginVerdict.WrongPassword, null, null);
        }

        var session = ModuleSession.Start(request.MeterId, now, options, rng);
        var unsigned = LoginResponse.Unsigned(request.MeterId, request.ClientChallenge.Span, session.SessionId.Span, session.CurrentChallenge.Span,
            ascendingMills, descendingMills);
        var mac = Fields.Mac(hmk, new WireWriter(220).Tag(ProtocolConstants.LoginResponseTag).Raw(unsigned.Written).Written);
        var response = new LoginResponse(request.MeterId, request.ClientChallenge.Span, session.SessionId.Span, session.CurrentChallenge.Span,
            ascendingMills, descendingMills, mac);
        return new(LoginVerdict.Ok, response, session);
    }
}

internal static class LoginKeys
{
    public static (byte[] Key, byte[] Nonce) Derive(ReadOnlySpan<byte> hmk, ReadOnlySpan<byte> clientChallenge, string meterId)
    {
        if (hmk.Length != ProtocolConstants.HmkSize) throw new ArgumentException($"an HMK is {ProtocolConstants.HmkSize} bytes", nameof(hmk));
        var info = new WireWriter(64).Tag(ProtocolConstants.LoginKeyTag).Text(meterId).ToArray();
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, hmk.ToArray(), 44, clientChallenge.ToArray(), info);
        var result = (okm[..32], okm[32..]);
        CryptographicOperations.ZeroMemory(okm);
        return result;
    }

    public static byte[] AssociatedData(string meterId, ReadOnlySpan<byte> clientChallenge) =>
        new WireWriter(96).Tag(ProtocolConstants.LoginTag).Byte(ProtocolConstants.Version).Text(meterId)
            .Fixed(clientChallenge, ProtocolConstants.ChallengeSize).ToArray();
}
