using System.Security.Cryptography;

namespace VbiOrleans.TransactionLog.Notes;

/// <summary>
/// An <see cref="INoteSigner"/> over an in-process P-256 key (tests, local development). Production signs with the
/// HSM's module identity key through its own <see cref="INoteSigner"/>; both produce the same type 0x02 signatures.
/// </summary>
public sealed class EcdsaNoteSigner : INoteSigner
{
    private readonly ECDsa _key;
    private readonly byte[] _spki;

    /// <param name="keyName">the key name; for checkpoints, the log's origin</param>
    /// <param name="key">a P-256 key with its private part; the caller keeps ownership</param>
    public EcdsaNoteSigner(string keyName, ECDsa key)
    {
        if (!SignedNote.IsValidKeyName(keyName))
        {
            throw new ArgumentException($"'{keyName}' is not a note key name (non-empty, no spaces, no '+')", nameof(keyName));
        }
        if (!NoteVerifier.IsP256(key)) throw new ArgumentException("the key is not on P-256", nameof(key));
        _key = key;
        _spki = key.ExportSubjectPublicKeyInfo();
        KeyName = keyName;
        KeyHash = NoteVerifier.ComputeKeyHash(_spki);
    }

    public string KeyName { get; }

    public uint KeyHash { get; }

    public byte SignatureType => NoteVerifier.EcdsaSignatureType;

    public byte[] PublicKeySpki => (byte[])_spki.Clone();

    /// <summary>The verifier for this signer's public key.</summary>
    public NoteVerifier Verifier => new(KeyName, _spki);

    public Task<byte[]> SignAsync(byte[] message) =>
        Task.FromResult(_key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
}
