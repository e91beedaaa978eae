using System.Security.Cryptography;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Protocol.Tests.Versions;

public sealed class ClientVersionTests
{
    [Theory]
    [InlineData("1.0.0", "1.0.1")]
    [InlineData("1.0.9", "1.1.0")]
    [InlineData("1.9.9", "2.0.0")]
    [InlineData("1.2.9", "1.10.0")] // numeric, not text: 10 > 9
    [InlineData("1.0.0-alpha", "1.0.0")] // a prerelease comes before its release
    [InlineData("1.0.0-alpha", "1.0.0-alpha.1")] // fewer identifiers first when the rest are equal
    [InlineData("1.0.0-alpha.1", "1.0.0-alpha.beta")] // numeric identifiers before alphanumeric ones
    [InlineData("1.0.0-beta.2", "1.0.0-beta.11")] // numeric identifiers compare as numbers
    [InlineData("1.0.0-rc.1", "1.0.0")]
    [InlineData("0.9.0", "0.10.0")]
    public void Versions_order_as_SemVer_says(string lower, string higher)
    {
        var a = ClientVersion.Parse(lower);
        var b = ClientVersion.Parse(higher);
        Assert.True(a < b, $"{lower} < {higher}");
        Assert.True(b > a, $"{higher} > {lower}");
        Assert.False(a >= b);
        Assert.Equal(-1, Math.Sign(a.CompareTo(b)));
        Assert.Equal(1, Math.Sign(b.CompareTo(a)));
    }

    [Theory]
    [InlineData("1.2.3", "1.2.3+abc123")] // build metadata does not count
    [InlineData("2", "2.0.0")] // a missing minor or patch is 0
    [InlineData("2.1", "2.1.0")]
    public void Equal_versions_compare_equal(string a, string b)
    {
        Assert.Equal(0, ClientVersion.Parse(a).CompareTo(ClientVersion.Parse(b)));
        Assert.True(ClientVersion.Parse(a) == ClientVersion.Parse(b));
    }

    [Fact]
    public void The_text_drops_build_metadata() =>
        Assert.Equal("0.1.0-rc.1", ClientVersion.Parse("0.1.0-rc.1+0123abcd").ToString());

    [Theory]
    [InlineData("")]
    [InlineData("v1.2.3")]
    [InlineData("1.2.3.4")]
    [InlineData("01.2.3")] // leading zeros are not SemVer
    [InlineData("1..3")]
    [InlineData("1.2.3-")]
    [InlineData("1.2.3-01")]
    [InlineData("1.2.3+")]
    [InlineData("1.2.3-a b")]
    [InlineData("-1.2.3")]
    [InlineData("99999999999.0.0")] // does not fit an int
    [InlineData("1.2.3-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")] // over MaxLength
    public void What_is_not_a_version_is_refused(string text) => Assert.False(ClientVersion.TryParse(text, out _));

    [Theory]
    [InlineData("vbi-cli/1.2.3", "vbi-cli", "1.2.3")]
    [InlineData(" vbi-sdk/0.1.0-rc.1+abc ", "vbi-sdk", "0.1.0-rc.1")]
    public void The_header_is_one_product_token(string header, string product, string version)
    {
        Assert.True(ClientHeader.TryParse(header, out var p, out var v));
        Assert.Equal(product, p);
        Assert.Equal(version, v.ToString());
    }

    [Theory]
    [InlineData("vbi-cli")]
    [InlineData("/1.2.3")]
    [InlineData("vbi cli/1.2.3")]
    [InlineData("vbi-cli/1.2.3 (linux)")]
    [InlineData("vbi-cli/latest")]
    public void A_header_that_is_not_one_product_token_is_refused(string header) => Assert.False(ClientHeader.TryParse(header, out _, out _));

    [Fact]
    public void A_statement_verifies_only_as_signed_and_only_under_its_key()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pinned = ModulePublicKey.FromSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo());
        var statement = ClientVersionsStatement.FromWire("2.1.0", "2.0.0", "2026-12-07T12:00:00Z")!;
        var signature = key.SignHash(statement.Digest(), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        Assert.Equal("VBI-CLIENT-VERSIONS-V1\n2.1.0\n2.0.0\n2026-12-07T12:00:00Z\n", System.Text.Encoding.UTF8.GetString(statement.Message()));
        Assert.True(statement.VerifiedBy(pinned, signature));
        Assert.False(ClientVersionsStatement.FromWire("2.1.0", "1.0.0", "2026-12-07T12:00:00Z")!.VerifiedBy(pinned, signature)); // minimum lowered
        Assert.False(ClientVersionsStatement.FromWire("2.1.0", "2.0.0", "2026-12-07T12:00:01Z")!.VerifiedBy(pinned, signature));
        Assert.False(statement.VerifiedBy(ModulePublicKey.FromSubjectPublicKeyInfo(other.ExportSubjectPublicKeyInfo()), signature));
        Assert.Null(ClientVersionsStatement.FromWire("2.1", "2.0.0", "2026-12-07T12:00:00Z")); // not the canonical spelling it was signed in
        Assert.Null(ClientVersionsStatement.FromWire("2.1.0", "2.0.0", "yesterday"));
    }
}
