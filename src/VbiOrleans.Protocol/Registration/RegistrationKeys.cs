using System.Security.Cryptography;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Registration;

/// <summary>
/// The registration's signed message, transcript hash and envelope key schedule: one implementation that both
/// <see cref="RegistrationClient"/> and <see cref="RegistrationModule"/> call.
/// </summary>
internal static class RegistrationKeys
{
    public const int GcmNonceSize = 12;

    /// <summary>SHA-256 of <c>tag("VBI-REGISTER-V1") | version | meterId | clientChallenge | moduleEphemeralKey</c>.</summary>
    public static byte[] SignedDigest(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> moduleEphemeralKey) =>
        SHA256.HashData(new WireWriter(160).Tag(ProtocolConstants.RegisterSignatureTag).Byte(ProtocolConstants.Version).Text(meterId)
            .Fixed(clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(moduleEphemeralKey, ProtocolConstants.PublicPointSize).Written);

    /// <summary>TH = SHA-256 of <c>tag("VBI-REGISTER-TRANSCRIPT-V1") | version | meterId | clientChallenge | moduleEphemeralKey | clientEphemeralKey</c>.</summary>
    public static byte[] Transcript(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> moduleEphemeralKey, ReadOnlySpan<byte> clientEphemeralKey) =>
        SHA256.HashData(new WireWriter(256).Tag(ProtocolConstants.RegisterTranscriptTag).Byte(ProtocolConstants.Version).Text(meterId)
            .Fixed(clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(moduleEphemeralKey, ProtocolConstants.PublicPointSize)
            .Fixed(clientEphemeralKey, ProtocolConstants.PublicPointSize).Written);

    /// <summary>
    /// key (32) || nonce (12) = HKDF-SHA256(IKM = ECDH shared secret (X coordinate), salt = clientChallenge,
    /// info = tag("VBI-REGISTER-ENVELOPE-V1") | meterId | TH). The key is used for exactly one message, so a derived
    /// nonce is safe.
    /// </summary>
    public static (byte[] Key, byte[] Nonce) EnvelopeKey(ECDiffieHellman own, ReadOnlySpan<byte> peerPoint, ReadOnlySpan<byte> clientChallenge,
        string meterId, ReadOnlySpan<byte> transcript)
    {
        using var peer = EcPoints.Import(peerPoint);
        var shared = own.DeriveRawSecretAgreement(peer.PublicKey);
        var info = new WireWriter(96).Tag(ProtocolConstants.RegisterEnvelopeKeyTag).Text(meterId).Fixed(transcript, ProtocolConstants.HashSize).ToArray();
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32 + GcmNonceSize, clientChallenge.ToArray(), info);
        CryptographicOperations.ZeroMemory(shared);
        var result = (okm[..32], okm[32..]);
        CryptographicOperations.ZeroMemory(okm);
        return result;
    }
}
