using System.Security.Cryptography;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

[CollectionDefinition(Name)]
public sealed class PaymentMethodsCollection : ICollectionFixture<PaymentMethodsHostFixture>
{
    public const string Name = "Payment methods: one Cluster-profile host process on PostgreSQL, SoftHSM2 and stripe-stateful-mock";
}

/// <summary>
/// One real host process in the Cluster profile: every store in a scratch database of its own (so the commerce store's
/// bytes can be searched), the SoftHSM2 token as the HSM, stripe-stateful-mock as the payment provider, and every
/// category logging at Debug, so a secret that reached any log line would be in <see cref="HostProcess.Output"/>.
/// </summary>
public sealed class PaymentMethodsHostFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";

    public HostProcess Host { get; private set; } = null!;
    public Uri BaseAddress => Host.BaseAddress;
    public VbiClient Operator { get; private set; } = null!;
    public string Database { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Database = await LocalServices.CreateScratchDatabaseAsync("vbi_pay");
        var env = HostEnvironment.ScratchCluster("pay-" + Guid.NewGuid().ToString("N")[..8], Database, poolTarget: 2);
        env["Logging__LogLevel__Default"] = "Debug";
        env["Logging__LogLevel__Microsoft"] = "Debug";
        env["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug";
        Host = HostProcess.Start(env);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        Operator = new VbiClient(new VbiClientOptions
        {
            BaseAddress = BaseAddress, OperatorName = HostEnvironment.OperatorName, OperatorKey = HostEnvironment.OperatorKey,
        });
    }

    public VbiClient Client(string? token = null, PartnerCredentials? partner = null) =>
        new(new VbiClientOptions { BaseAddress = BaseAddress, CustomerToken = token, Partner = partner, Timeout = TimeSpan.FromSeconds(60) });

    /// <summary>A new customer account (no meter: payment methods need none) and its client.</summary>
    public async Task<(CustomerSession Account, VbiClient Client)> NewCustomerAsync(string? name = null)
    {
        using var anonymous = Client();
        var account = await anonymous.SignUpAsync($"p{Guid.NewGuid():N}@example.com", Password, name);
        return (account, Client(account.Token));
    }

    /// <summary>An account number no other test uses, so finding it anywhere means this test put it there.</summary>
    public static string NewAccountNumber() => "7" + string.Concat(Enumerable.Range(0, 11).Select(_ => RandomNumberGenerator.GetInt32(10)));

    public async Task DisposeAsync()
    {
        Operator?.Dispose();
        await Host.DisposeAsync();
    }
}
