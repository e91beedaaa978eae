namespace VbiOrleans.Abstractions.Modules;

/// <summary>
/// The module identity key's public half (key 0): what signs registration answers and log checkpoints, and what
/// clients pin. Any silo answers it from its HSM, so the API reaches the HSM only through grains.
/// </summary>
public interface IModuleIdentityGrain : IGrainWithIntegerKey
{
    /// <summary>The public key as SubjectPublicKeyInfo (DER), made first if the HSM has none yet.</summary>
    Task<byte[]> PublicKey();
}
