using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Fixtures;

/// <summary>Environments for host processes started by the tests.</summary>
public static class HostEnvironment
{
    public const string OperatorName = "test-operator";

    /// <summary>A key made for this test run; only its hash is given to the host.</summary>
    public static readonly string OperatorKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>The Stripe secret key the test hosts use against stripe-stateful-mock (a test key: the mock takes any).</summary>
    public const string StripeTestApiKey = "sk_test_vbi_host_tests";

    public static string OperatorKeySha256 => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OperatorKey)));

    /// <summary>
    /// Test hosts accept PVDs without a purchase (their payment provider is in test mode), so tests about meters, the log
    /// and recovery fund meters as before; a PVD that names a purchase is checked in full all the same. Commerce tests
    /// set it to "false", the product's default.
    /// </summary>
    public const string AcceptUnpaidPvds = "Vbi__Purchases__AcceptUnpaidPvds";

    /// <summary>
    /// Test hosts approve licence applications at once, as the Local profile does, so a licensed meter is operational
    /// without an answer from the postal authority; the provider tests set it to "false", the Cluster profile's default.
    /// </summary>
    public const string ApproveLicencesAtOnce = "Vbi__Provider__Licensing__ApproveAtOnce";

    public static Dictionary<string, string?> Local(string dataDirectory) => new()
    {
        ["Vbi__Profile"] = "Local",
        ["Vbi__DataDirectory"] = dataDirectory,
        ["Vbi__Operators__0__Name"] = OperatorName,
        ["Vbi__Operators__0__KeySha256"] = OperatorKeySha256,
        ["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(),
        ["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(),
        [AcceptUnpaidPvds] = "true",
        [ApproveLicencesAtOnce] = "true",
    };

    /// <summary>
    /// The Cluster profile on the local PostgreSQL and Azurite, with production's membership settings (a killed silo is
    /// declared dead within seconds).
    /// </summary>
    public static Dictionary<string, string?> Cluster(string clusterId, IReadOnlyDictionary<string, string>? stores = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["Vbi__Profile"] = "Cluster",
            ["Vbi__Cluster__ClusterId"] = clusterId,
            ["Vbi__Cluster__ServiceId"] = clusterId,
            ["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(),
            ["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(),
            ["Vbi__Operators__0__Name"] = OperatorName,
            ["Vbi__Operators__0__KeySha256"] = OperatorKeySha256,
            ["ConnectionStrings__archive"] = LocalServices.ArchiveConnectionString,
            // Silos of one cluster share the local SoftHSM2 token.
            ["Vbi__Hsm__Kind"] = "Pkcs11",
            ["Vbi__Hsm__Pkcs11__ModulePath"] = LocalServices.Require("VBI_SOFTHSM_MODULE"),
            ["Vbi__Hsm__Pkcs11__TokenLabel"] = LocalServices.Require("VBI_SOFTHSM_TOKEN"),
            ["Vbi__Hsm__Pkcs11__PinFile"] = LocalServices.Require("VBI_SOFTHSM_PIN_FILE"),
            ["SOFTHSM2_CONF"] = LocalServices.Require("SOFTHSM2_CONF"),
            // Partners' test webhook receivers listen on 127.0.0.1, which the Cluster profile refuses unless an
            // operator allows it by name; every other loopback address stays refused.
            ["Vbi__Webhooks__AllowedHosts__0"] = "127.0.0.1",
            [AcceptUnpaidPvds] = "true",
            // The Cluster profile's payment provider is Stripe: here stripe-stateful-mock, with a test key.
            ["Vbi__Payments__Stripe__BaseUrl"] = LocalServices.Require("VBI_STRIPE_URL"),
            ["Vbi__Payments__Stripe__ApiKey"] = StripeTestApiKey,
            [ApproveLicencesAtOnce] = "true",
        };
        foreach (var (store, connectionString) in stores ?? LocalServices.StoreConnectionStrings)
        {
            env[$"ConnectionStrings__{store}"] = connectionString;
        }
        // Scratch databases get an archive container of their own: a new module database beside an archive that holds
        // another log is a lost module database, and the host refuses to start on it.
        if (stores is not null) env["Vbi__Archive__Container"] = ContainerName(clusterId);
        return env;
    }

    /// <summary>
    /// The Cluster profile on a scratch database of its own (every store in it, the schema made at start) with the
    /// test's cheap password hashing (20,000 PBKDF2 iterations) and a small meter pool.
    /// </summary>
    public static Dictionary<string, string?> ScratchCluster(string clusterId, string database, int poolTarget)
    {
        var env = Cluster(clusterId, AllStoresIn(database));
        env["Vbi__Database__InitializeOnStart"] = "true";
        env["Vbi__Module__PasswordIterations"] = "20000";
        env["Vbi__Api__AccountPasswordIterations"] = "20000";
        env["Vbi__Module__PoolTarget"] = poolTarget.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return env;
    }

    /// <summary>Arms the host's fault point <paramref name="killAt"/> (it kills itself there while <paramref name="armedFile"/> exists); nothing when null.</summary>
    public static Dictionary<string, string?> ArmedAt(this Dictionary<string, string?> env, string? killAt, string? armedFile)
    {
        if (killAt is null) return env;
        env[Grains.Faults.FaultPoints.StepVariable] = killAt;
        env[Grains.Faults.FaultPoints.ArmedFileVariable] = armedFile;
        return env;
    }

    /// <summary>Starts a host process on <paramref name="httpPort"/> and waits until it is ready (150 s at most).</summary>
    public static async Task<HostProcess> StartAsync(int httpPort, Dictionary<string, string?> environment)
    {
        var host = HostProcess.Start(httpPort, environment);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
        return host;
    }

    public static Dictionary<string, string> AllStoresIn(string database) =>
        new[] { "postal", "module", "commerce", "membership" }.ToDictionary(s => s, _ => LocalServices.ConnectionString(database));

    /// <summary>A blob container name for the cluster: lowercase letters, digits and single hyphens, 3 to 63 characters.</summary>
    public static string ContainerName(string clusterId)
    {
        var name = new string([.. clusterId.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        name = "vbi-" + name.Trim('-');
        return name.Length <= 63 ? name : name[..63].TrimEnd('-');
    }
}
