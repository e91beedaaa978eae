using System.Security.Cryptography;
using VbiOrleans.Hsm;
using VbiOrleans.TransactionLog.Notes;

namespace VbiOrleans.Grains.Log;

/// <summary>Signs checkpoint notes with the module identity key, inside the HSM (ECDSA P-256, C2SP type 0x02, DER).</summary>
public sealed class HsmNoteSigner(IHsm hsm, HsmKey identity, string keyName) : INoteSigner
{
    public string KeyName { get; } = keyName;

    public uint KeyHash { get; } = NoteVerifier.ComputeKeyHash(identity.PublicKey ?? throw new ArgumentException("the identity key has no public key"));

    public byte SignatureType => NoteVerifier.EcdsaSignatureType;

    public NoteVerifier Verifier => new(KeyName, identity.PublicKey!);

    public async Task<byte[]> SignAsync(byte[] message) =>
        EcdsaSignatureEncoding.ToDer(await hsm.SignDigestAsync(identity, SHA256.HashData(message)));
}
