using Azure.Core;

namespace VbiOrleans.Hsm.KeyVault;

/// <summary>
/// Which vault or Managed HSM a <see cref="KeyVaultHsm"/> talks to, and how. Being Azure.Core <see cref="ClientOptions"/>,
/// it also carries the retry policy, diagnostics and the HTTP transport.
/// </summary>
public sealed class KeyVaultHsmOptions : ClientOptions
{
    /// <summary>The OAuth scope of Azure Key Vault vaults (*.vault.azure.net).</summary>
    public const string KeyVaultScope = "https://vault.azure.net/.default";

    /// <summary>The OAuth scope of Azure Key Vault Managed HSM (*.managedhsm.azure.net).</summary>
    public const string ManagedHsmScope = "https://managedhsm.azure.net/.default";

    /// <param name="vaultUri">The vault base URL, e.g. https://vbi-prod.managedhsm.azure.net.</param>
    public KeyVaultHsmOptions(Uri vaultUri)
    {
        ArgumentNullException.ThrowIfNull(vaultUri);
        if (!vaultUri.IsAbsoluteUri) throw new ArgumentException("the vault URI must be absolute", nameof(vaultUri));
        VaultUri = vaultUri;
        AuthenticationScope = vaultUri.Host.EndsWith(".managedhsm.azure.net", StringComparison.OrdinalIgnoreCase) ? ManagedHsmScope : KeyVaultScope;
    }

    /// <summary>The vault base URL that request paths (/keys/…) are appended to.</summary>
    public Uri VaultUri { get; }

    /// <summary>
    /// The api-version of every request. 7.6 is the first stable version that documents HS256 for the sign operation
    /// (HMAC with an oct-HSM key), which <see cref="KeyVaultHsm.MacAsync"/> needs; create, get, sign with ES256 and
    /// encrypt/decrypt with A256GCM have the same shapes as in 7.4 and 7.5.
    /// </summary>
    public string ApiVersion { get; init; } = "7.6";

    /// <summary>
    /// The scope bearer tokens are requested for: <see cref="ManagedHsmScope"/> when the host is a
    /// *.managedhsm.azure.net name, <see cref="KeyVaultScope"/> otherwise. Set it for sovereign clouds or a local fake.
    /// </summary>
    public string AuthenticationScope { get; init; }
}
