using System.Text;
using VbiOrleans.Hsm;
using VbiOrleans.Hsm.Pkcs11;
using VbiOrleans.Testing;
using static VbiOrleans.Export.Tests.DayFiles;

namespace VbiOrleans.Export.Tests;

/// <summary>
/// The pseudonym of a customer is HMAC-SHA256 under the HSM key <c>vbi-dss-pseudonym</c>: computed again here through
/// the same PKCS#11 token (the only way to compute one), it matches the exported value for every customer, and nothing
/// else derived from the id (its plain SHA-256, an HMAC under another key) does.
/// </summary>
[Collection(ExportCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class PseudonymTests(ExportHostFixture host)
{
    [Fact]
    public async Task A_customers_pseudonym_is_the_HMAC_of_their_id_under_the_HSM_key_and_nothing_without_that_key()
    {
        var folder = NewFolder();
        Assert.Equal(0, (await AdminExportAsync(host, host.Day, folder)).Exit);

        using var hsm = new Pkcs11Hsm(new Pkcs11HsmOptions(LocalServices.Require("VBI_SOFTHSM_MODULE"), LocalServices.Require("VBI_SOFTHSM_TOKEN"),
            File.ReadAllText(LocalServices.Require("VBI_SOFTHSM_PIN_FILE")).Trim()));
        var key = await hsm.FindKeyAsync("vbi-dss-pseudonym");
        Assert.NotNull(key);
        Assert.Equal(HsmKeyKind.HmacSha256, key.Kind);
        foreach (var customer in host.Customers)
        {
            var exported = (string)Query($"SELECT customer_pseudonym FROM {FileOf(folder, host.Day, "meter_registers")} WHERE meter_id = '{customer.MeterId}'").Single()[0]!;
            var mac = await hsm.MacAsync(key, Encoding.UTF8.GetBytes("vbi-dss-customer|" + customer.CustomerId));
            Assert.Equal("cp_" + Convert.ToHexStringLower(mac.AsSpan(0, 16)), exported);
            var unkeyed = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(customer.CustomerId)));
            Assert.DoesNotContain(exported[3..], unkeyed, StringComparison.Ordinal);
        }
    }
}
