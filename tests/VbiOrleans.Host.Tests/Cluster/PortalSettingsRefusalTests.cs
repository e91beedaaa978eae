using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Cluster;

/// <summary>
/// The portal's cluster settings (docs/portal.md, "Keys" and "Behind a reverse proxy") stop the host at start when they
/// cannot be used, with one line naming the setting: a trusted proxy that is no address or network, and a key ring
/// certificate file that is missing or that its password does not open. Never a key ring kept in clear by mistake.
/// </summary>
public sealed class PortalSettingsRefusalTests
{
    [Theory]
    [InlineData("Vbi__Portal__TrustedProxies__0", "not-an-address", "Vbi:Portal:TrustedProxies: 'not-an-address'")]
    [InlineData("Vbi__Portal__KeyCertificate", "/nonexistent/portal-keys.pfx", "Vbi:Portal:KeyCertificate: no file /nonexistent/portal-keys.pfx")]
    [InlineData("Vbi__Portal__KeyCertificate", "WRONG_PASSWORD", "Vbi:Portal:KeyCertificate is not a PKCS#12 file this password opens")]
    public async Task An_unusable_portal_setting_stops_the_host_with_one_line_naming_it(string setting, string value, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("vbi-portal-refusal-").FullName;
        try
        {
            var env = HostEnvironment.Local(Path.Combine(folder, "data"));
            if (value == "WRONG_PASSWORD")
            {
                // A real PKCS#12 file, and a password file that does not open it.
                using var rsa = System.Security.Cryptography.RSA.Create(2048);
                var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=refusal", rsa,
                    System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
                value = Path.Combine(folder, "keys.pfx");
                await File.WriteAllBytesAsync(value, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "the-password"));
                await File.WriteAllTextAsync(Path.Combine(folder, "password"), "not-the-password");
                env["Vbi__Portal__KeyCertificatePasswordFile"] = Path.Combine(folder, "password");
            }
            env[setting] = value;

            await using var host = HostProcess.Start(env);
            var exit = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(2, exit);
            var line = Assert.Single(host.Errors, l => !string.IsNullOrWhiteSpace(l));
            Assert.Contains(expected, line, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password", line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
