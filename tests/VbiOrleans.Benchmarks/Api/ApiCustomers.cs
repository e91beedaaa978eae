using System.Diagnostics;
using VbiOrleans.Client;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>One customer of the run: their SDK client (on one host), their meter and its open session.</summary>
public sealed record ApiCustomer(int Index, string MeterId, VbiClient Client, MeterSession Session) : IDisposable
{
    public void Dispose()
    {
        Session.Dispose();
        Client.Dispose();
    }
}

/// <summary>
/// The customers, made the way a real one starts (untimed), through the SDK over HTTP: sign up, license a meter at
/// 10001, register it (pinning the module identity key), open a meter session, and fund it with postage value
/// downloads of at most 1,000,000 mills up to the descending register ceiling.
/// </summary>
public sealed class ApiCustomers : IDisposable
{
    public const string Password = "correct horse battery staple";
    private const int SetupConcurrency = 8;

    public IReadOnlyList<ApiCustomer> All { get; }
    public TimeSpan SetupDuration { get; }
    public long FundMills { get; }

    private ApiCustomers(IReadOnlyList<ApiCustomer> all, TimeSpan setup, long fund)
    {
        All = all;
        SetupDuration = setup;
        FundMills = fund;
    }

    public static VbiClient NewClient(Uri baseAddress, string? token = null) =>
        new(new VbiClientOptions { BaseAddress = baseAddress, CustomerToken = token, Timeout = TimeSpan.FromSeconds(60), Product = "vbi-bench" });

    /// <summary>Customer i talks to host i mod hosts.</summary>
    public static async Task<ApiCustomers> PrepareAsync(ApiOptions options, IReadOnlyList<Uri> hosts, CancellationToken cancellation)
    {
        // Fund as much as the DR may hold, in whole prints: a time-based run does not know its count in advance.
        var fund = BenchmarkOptions.DescendingRegisterCeilingMills / options.PostageMills * options.PostageMills;
        var customers = new ApiCustomer[options.Meters];
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Meters),
            new ParallelOptions { MaxDegreeOfParallelism = SetupConcurrency, CancellationToken = cancellation },
            async (i, ct) => customers[i] = await NewCustomerAsync(i, hosts[i % hosts.Count], fund, ct));
        return new ApiCustomers(customers, stopwatch.Elapsed, fund);
    }

    private static async Task<ApiCustomer> NewCustomerAsync(int index, Uri host, long fundMills, CancellationToken cancellation)
    {
        var email = $"bench{index}-{Guid.NewGuid():N}@example.com";
        CustomerSession account;
        using (var anonymous = NewClient(host)) account = await anonymous.SignUpAsync(email, Password, cancellationToken: cancellation);
        var client = NewClient(host, account.Token);
        try
        {
            var meter = await client.LicenseMeterAsync("10001", cancellationToken: cancellation);
            var identity = await client.GetModuleIdentityAsync(cancellation);
            var hmk = await client.RegisterMeterAsync(meter.MeterId, Password, Convert.FromBase64String(identity.PublicKey), cancellationToken: cancellation);
            var session = await client.OpenMeterSessionAsync(meter.MeterId, hmk, Password, cancellation);
            var download = 0;
            for (var remaining = fundMills; remaining > 0; remaining -= BenchmarkOptions.MaxPostageValueDownloadMills, download++)
            {
                var amount = Math.Min(remaining, BenchmarkOptions.MaxPostageValueDownloadMills);
                await session.FundAsync(amount, $"bench-payment-{meter.MeterId}-{download}", $"fund-{meter.MeterId}-{download}", cancellation);
            }
            return new ApiCustomer(index, meter.MeterId, client, session);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var customer in All) customer.Dispose();
    }
}
