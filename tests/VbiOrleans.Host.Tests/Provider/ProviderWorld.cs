using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Grains.Faults;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Provider;

/// <summary>A customer with a licensed, registered meter (through the SDK, over HTTP), funded or not.</summary>
public sealed record ProviderCustomer(string CustomerId, string MeterId, VbiClient Client, MeterSession Session);

/// <summary>
/// What the provider tests share: Cluster-profile hosts on a scratch database (PostgreSQL, SoftHSM2, Azurite) whose
/// postal authority is the local OpenSSH SFTP server, in folders of this world's own under <c>inbound/</c> and
/// <c>outbound/</c>; a postal authority RSA key made for the run; customers driven through the SDK.
/// </summary>
public sealed class ProviderWorld
{
    public const string Password = "correct horse battery staple";
    public const string ProviderId = "vbi";

    private ProviderWorld(string database, string clusterId, string folder)
    {
        Database = database;
        ClusterId = clusterId;
        Folder = folder;
        SftpRoot = LocalServices.Require("VBI_SFTP_ROOT");
        PostalAuthorityKey = RSA.Create(2048);
    }

    public string Database { get; }
    public string ClusterId { get; }
    /// <summary>This world's folder name under the server's inbound and outbound folders.</summary>
    public string Folder { get; }
    public string SftpRoot { get; }
    public RSA PostalAuthorityKey { get; }
    public string InboundPath => Path.Combine(SftpRoot, "inbound", Folder);
    public string OutboundPath => Path.Combine(SftpRoot, "outbound", Folder);
    public static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    public static async Task<ProviderWorld> CreateAsync(string prefix)
    {
        var database = await LocalServices.CreateScratchDatabaseAsync(prefix);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var world = new ProviderWorld(database, prefix.Replace('_', '-') + "-" + suffix, "t-" + suffix);
        Directory.CreateDirectory(world.OutboundPath);
        return world;
    }

    /// <summary>The server's host key fingerprint as ssh-keygen -l prints it, from its public key file.</summary>
    public static string HostKeyFingerprint()
    {
        var line = File.ReadAllText(LocalServices.Require("VBI_SFTP_HOST_KEY_FILE")).Trim().Split(' ');
        return "SHA256:" + Convert.ToBase64String(SHA256.HashData(Convert.FromBase64String(line[1]))).TrimEnd('=');
    }

    public Dictionary<string, string?> Environment(bool approveAtOnce, string? killAt = null, string? armedFile = null)
    {
        var env = HostEnvironment.ScratchCluster(ClusterId, Database, poolTarget: 4);
        env["Vbi__Api__RateLimit__Enabled"] = "false";
        env["Vbi__LogFeed__KeepAliveInterval"] = "00:00:02";
        env["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        env[HostEnvironment.ApproveLicencesAtOnce] = approveAtOnce ? "true" : "false";
        env["Vbi__Provider__Sftp__Host"] = LocalServices.Require("VBI_SFTP_HOST");
        env["Vbi__Provider__Sftp__Port"] = LocalServices.Require("VBI_SFTP_PORT");
        env["Vbi__Provider__Sftp__User"] = LocalServices.Require("VBI_SFTP_USER");
        env["Vbi__Provider__Sftp__KeyFile"] = LocalServices.Require("VBI_SFTP_KEY_FILE");
        env["Vbi__Provider__Sftp__HostKeyFingerprint"] = HostKeyFingerprint();
        env["Vbi__Provider__Sftp__InboundFolder"] = "inbound/" + Folder;
        env["Vbi__Provider__Sftp__OutboundFolder"] = "outbound/" + Folder;
        env["Vbi__Provider__CheckPeriod"] = "00:00:02";
        env["Vbi__Provider__AllowOpenDay"] = "true";
        env["Vbi__Provider__Retry__BaseDelay"] = "00:00:00.200";
        env["Vbi__Provider__Retry__MaxDelay"] = "00:00:00.500";
        env["Vbi__Provider__PostalAuthorityPublicKey"] = PostalAuthorityKey.ExportSubjectPublicKeyInfoPem();
        env["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        env["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        return env.ArmedAt(killAt, armedFile);
    }

    public static VbiClient Client(Uri baseAddress, string? token = null) =>
        new(new VbiClientOptions { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>Signs up (with a tax id if given), licenses a meter, registers it and opens a meter session; funds nothing.</summary>
    public static async Task<ProviderCustomer> NewCustomerAsync(Uri baseAddress, string? taxId = null)
    {
        using var anonymous = Client(baseAddress);
        var account = await anonymous.SignUpAsync($"p{Guid.NewGuid():N}@example.com", Password, "Provider Test Shop");
        var client = Client(baseAddress, account.Token);
        if (taxId is not null) Assert.True((await client.SetTaxIdAsync(taxId)).HasTaxId);
        var meter = await client.LicenseMeterAsync("10001");
        var identity = await client.GetModuleIdentityAsync();
        var hmk = await client.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String(identity.PublicKey));
        var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, Password);
        return new ProviderCustomer(account.Customer.CustomerId, meter.MeterId, client, session);
    }

    public static string PaymentReference() => "provider-payment-" + Guid.NewGuid().ToString("N");

    /// <summary>POST /v1/operator/provider/runs; the files' JSON.</summary>
    public static async Task<List<JsonElement>> RunAsync(Uri baseAddress, DateOnly day, string? service = null)
    {
        using var http = OperatorHttp.Client(baseAddress);
        http.Timeout = TimeSpan.FromSeconds(120);
        using var response = await http.PostAsJsonAsync("/v1/operator/provider/runs", new { date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), service });
        var body = await response.JsonAsync();
        Assert.True(response.IsSuccessStatusCode, $"the run was answered {(int)response.StatusCode}: {body}");
        return [.. body.GetProperty("files").EnumerateArray()];
    }

    /// <summary>GET /v1/operator/provider/files: the file of a service and day, or null.</summary>
    public static async Task<JsonElement?> FileAsync(Uri baseAddress, string service, DateOnly day)
    {
        using var http = OperatorHttp.Client(baseAddress);
        var body = await (await http.GetAsync($"/v1/operator/provider/files?service={service}")).JsonAsync();
        foreach (var f in body.GetProperty("files").EnumerateArray())
        {
            if (f.GetProperty("date").GetString() == day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) return f;
        }
        return null;
    }

    /// <summary>Waits until the service's file of the day is verified at the postal authority; fails with its last state.</summary>
    public static async Task<JsonElement> WaitVerifiedAsync(Uri baseAddress, string service, DateOnly day, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var file = await FileAsync(baseAddress, service, day);
            if (file?.GetProperty("state").GetString() == "verified") return file.Value;
            if (DateTime.UtcNow > deadline) Assert.Fail($"the {service} file of {day} was not verified within {timeout}: {file}");
            await Task.Delay(500);
        }
    }

    /// <summary>The provider's certificate and the postal CA's, as anyone gets them (no credential).</summary>
    public static async Task<(string Provider, string PostalCa)> CertificatesAsync(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        return (await http.GetStringAsync("/v1/certificates/provider"), await http.GetStringAsync("/v1/certificates/postal-ca"));
    }

    /// <summary>
    /// Verifies a file and its detached signature with the real openssl binary, as docs/provider-files.md tells the
    /// postal authority to: the certificate chains to the postal CA, and the signature verifies under its public key.
    /// </summary>
    public static async Task AssertOpensslVerifiesAsync(string file, string signature, string providerPem, string postalCaPem)
    {
        var scratch = Directory.CreateTempSubdirectory("vbi-openssl-").FullName;
        try
        {
            var certificate = Path.Combine(scratch, "provider.pem");
            var ca = Path.Combine(scratch, "postal-ca.pem");
            var publicKey = Path.Combine(scratch, "provider-pubkey.pem");
            await File.WriteAllTextAsync(certificate, providerPem);
            await File.WriteAllTextAsync(ca, postalCaPem);
            Assert.Contains(": OK", await OpensslAsync("verify", "-CAfile", ca, certificate));
            await OpensslAsync("x509", "-in", certificate, "-pubkey", "-noout", "-out", publicKey);
            Assert.Equal("Verified OK", (await OpensslAsync("dgst", "-sha256", "-verify", publicKey, "-signature", signature, file)).Trim());
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<string> OpensslAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}): {output} {error}");
        return output;
    }
}
