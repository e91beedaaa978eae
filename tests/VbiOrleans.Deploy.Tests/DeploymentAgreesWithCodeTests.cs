using System.Text.Json;
using VbiOrleans.Abstractions;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Partners;
using VbiOrleans.Hsm;

namespace VbiOrleans.Deploy.Tests;

/// <summary>
/// The deployment names what the code looks up: every store's connection string reaches the silos as a secret, and
/// stage 2 makes each HSM key the host uses under its label, of its kind, with the key type and operations
/// <c>KeyVaultHsm</c> reads a kind back from. Read from the compiled templates, so a rename on either side fails here.
/// </summary>
public sealed class DeploymentAgreesWithCodeTests
{
    private static async Task<JsonElement> CompileAsync(string file)
    {
        var result = await BicepCli.RunAsync(BicepCli.DeploymentFolder, "build", file, "--stdout");
        Assert.True(result.ExitCode == 0, $"bicep build {file} exited {result.ExitCode}:\n{result.Output}");
        var json = result.Output[..(result.Output.LastIndexOf('}') + 1)];
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Fact]
    public async Task Every_store_reaches_the_silos_as_a_key_vault_secret()
    {
        var main = await CompileAsync("main.bicep");
        // Variables that hold deployment-time values are inlined where they are used: read the silo module's parameters.
        var resources = main.GetProperty("resources");
        var all = resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray().ToArray() : [.. resources.EnumerateObject().Select(p => p.Value)];
        var silos = Assert.Single(all, r => r.TryGetProperty("copy", out var copy) && copy.GetProperty("name").GetString() == "silos");
        var parameters = silos.GetProperty("properties").GetProperty("parameters");
        var env = parameters.GetProperty("sharedEnv").GetProperty("value").EnumerateArray().ToArray();
        var secrets = parameters.GetProperty("secretReferences").GetProperty("value").EnumerateArray()
            .Select(s => s.GetProperty("name").GetString()).ToHashSet();
        foreach (var store in StorageNames.All)
        {
            var setting = Assert.Single(env, e => e.GetProperty("name").GetString() == $"ConnectionStrings__{store}");
            Assert.Equal(store, setting.GetProperty("secretRef").GetString());
            Assert.Contains(store, secrets);
        }
        Assert.Contains(env, e => e.GetProperty("name").GetString() == "Vbi__Profile" && e.GetProperty("value").GetString() == "Cluster");
        Assert.Contains(env, e => e.GetProperty("name").GetString() == "Vbi__Hsm__Kind" && e.GetProperty("value").GetString() == "KeyVault");
    }

    [Fact]
    public async Task Stage_two_makes_every_key_the_host_uses_with_its_kind()
    {
        var stage2 = await CompileAsync("stage2.bicep");
        var keys = stage2.GetProperty("variables").GetProperty("keys").EnumerateArray()
            .ToDictionary(k => k.GetProperty("name").GetString()!);
        var used = new Dictionary<string, HsmKeyKind>
        {
            [ModuleCrypto.MasterKeyLabel] = HsmKeyKind.Aes256Wrapping,
            [ModuleCrypto.CheckpointMacKeyLabel] = HsmKeyKind.HmacSha256,
            [ModuleCrypto.IdentityKeyLabel] = HsmKeyKind.EcP256Signing,
            [ModuleCrypto.PostalCaKeyLabel] = HsmKeyKind.EcP256Signing,
            [PartnerGrain.SecretsKeyLabel] = HsmKeyKind.Aes256Wrapping,
        };
        foreach (var (label, kind) in used)
        {
            Assert.True(keys.TryGetValue(label, out var key), $"stage2.bicep makes no key '{label}'");
            Assert.Equal(kind.ToString(), key.GetProperty("kind").GetString());
            string[] operations = [.. key.GetProperty("keyOps").EnumerateArray().Select(o => o.GetString() ?? "")];
            switch (kind)
            {
                case HsmKeyKind.EcP256Signing:
                    Assert.Equal("EC-HSM", key.GetProperty("kty").GetString());
                    Assert.Equal("P-256", key.GetProperty("curveName").GetString());
                    Assert.Equal(["sign", "verify"], operations);
                    break;
                case HsmKeyKind.Aes256Wrapping:
                    Assert.Equal("oct-HSM", key.GetProperty("kty").GetString());
                    Assert.Equal(256, key.GetProperty("keySize").GetInt32());
                    Assert.Equal(["encrypt", "decrypt"], operations);
                    break;
                case HsmKeyKind.HmacSha256:
                    Assert.Equal("oct-HSM", key.GetProperty("kty").GetString());
                    Assert.Equal(256, key.GetProperty("keySize").GetInt32());
                    Assert.Equal(["sign", "verify"], operations);
                    break;
            }
        }
    }
}
