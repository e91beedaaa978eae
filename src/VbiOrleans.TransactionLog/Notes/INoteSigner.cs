namespace VbiOrleans.TransactionLog.Notes;

/// <summary>
/// Signs note text for C2SP signed notes. In production this is the module identity key in the HSM, so nothing
/// here ever holds a private key: <see cref="SignedNote.SignAsync"/> only calls this.
/// </summary>
public interface INoteSigner
{
    /// <summary>The key name on the signature line (for checkpoints, the log's origin).</summary>
    string KeyName { get; }

    /// <summary>The 32-bit key ID on the signature line; see <see cref="NoteVerifier.ComputeKeyHash"/>.</summary>
    uint KeyHash { get; }

    /// <summary>The C2SP signed-note signature type; <see cref="NoteVerifier.EcdsaSignatureType"/> for ECDSA.</summary>
    byte SignatureType { get; }

    /// <summary>
    /// The signature over <paramref name="message"/> (the note text as UTF-8). For type 0x02: ECDSA P-256 over
    /// SHA-256(message), DER-encoded (an HSM returning raw r||s converts with <see cref="EcdsaSignatureEncoding.ToDer"/>).
    /// </summary>
    Task<byte[]> SignAsync(byte[] message);
}
