using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>A host with a mailer id its tracking numbers cannot carry refuses to start, in one line naming the setting.</summary>
public sealed class ShippingOptionsTests
{
    [Theory]
    [InlineData("12345")]
    [InlineData("90000A")]
    [InlineData("1234567")]
    public async Task A_host_refuses_to_start_with_a_mailer_id_that_is_not_6_or_9_digits(string mailerId)
    {
        var data = Path.Combine(Path.GetTempPath(), "vbi-mid-refused-" + Guid.NewGuid().ToString("N")[..8]);
        var env = HostEnvironment.Local(data);
        env["Vbi__Shipping__MailerId"] = mailerId;
        await using var host = HostProcess.Start(env);
        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains($"Vbi:Shipping:MailerId '{mailerId}' is not a mailer id (6 or 9 digits)",
            Assert.Single(host.Errors, l => !string.IsNullOrWhiteSpace(l)), StringComparison.Ordinal);
        if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
    }
}
