using Azure.Identity;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Hsm;
using VbiOrleans.Hsm.KeyVault;
using VbiOrleans.Hsm.Pkcs11;

namespace VbiOrleans.Host.Hosting;

/// <summary>Makes the configured HSM. Throws ArgumentException with one line naming the setting to fix.</summary>
public static class HsmFactory
{
    public static IHsm Create(VbiOptions options)
    {
        var kind = options.Hsm.Kind ?? (options.Profile == HostProfile.Local ? HsmKind.InMemory : (HsmKind?)null);
        switch (kind)
        {
            case null:
                throw new ArgumentException("the Cluster profile needs an HSM shared by every silo: set Vbi:Hsm:Kind=Pkcs11 " +
                    "(with Vbi:Hsm:Pkcs11:ModulePath, TokenLabel, PinFile) or Vbi:Hsm:Kind=KeyVault (with Vbi:Hsm:VaultUri)");
            case HsmKind.InMemory:
                return new InMemoryHsm();
            case HsmKind.Pkcs11:
                var p = options.Hsm.Pkcs11;
                if (string.IsNullOrWhiteSpace(p.ModulePath) || !File.Exists(p.ModulePath))
                    throw new ArgumentException($"Vbi:Hsm:Pkcs11:ModulePath '{p.ModulePath}' is not a PKCS#11 library file");
                if (string.IsNullOrWhiteSpace(p.PinFile) || !File.Exists(p.PinFile))
                    throw new ArgumentException($"Vbi:Hsm:Pkcs11:PinFile '{p.PinFile}' does not exist; it holds the token's user PIN");
                return new Pkcs11Hsm(new Pkcs11HsmOptions(p.ModulePath, p.TokenLabel, File.ReadAllText(p.PinFile).Trim()));
            case HsmKind.KeyVault:
                if (!Uri.TryCreate(options.Hsm.VaultUri, UriKind.Absolute, out var vault) || vault.Scheme != Uri.UriSchemeHttps)
                    throw new ArgumentException($"Vbi:Hsm:VaultUri '{options.Hsm.VaultUri}' is not an https URI of a Key Vault or Managed HSM");
                return new KeyVaultHsm(new KeyVaultHsmOptions(vault), new DefaultAzureCredential());
            default:
                throw new ArgumentException($"Vbi:Hsm:Kind '{kind}' is unknown; use InMemory, Pkcs11 or KeyVault");
        }
    }
}
