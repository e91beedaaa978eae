using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// One Cluster-profile host process (PostgreSQL in a scratch database, the Azurite archive in a container of its own)
/// for the ACH tests, and an Orleans client of it through which the tests queue debits as a purchase does.
/// </summary>
public sealed class AchHostFixture : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;
    public string ClusterId { get; } = "ach-" + Guid.NewGuid().ToString("N")[..8];
    public IGrainFactory Grains => _client.Services.GetRequiredService<IClusterClient>();
    public IArchiveStore Archive { get; private set; } = null!;
    private IHost _client = null!;

    public async Task InitializeAsync()
    {
        var database = await LocalServices.CreateScratchDatabaseAsync("vbi_ach");
        var env = HostEnvironment.ScratchCluster(ClusterId, database, poolTarget: 2);
        // The payment provider is Stripe's API as stripe-stateful-mock serves it (a returned debit is paid by card).
        env["Vbi__Payments__Stripe__BaseUrl"] = LocalServices.Require("VBI_STRIPE_URL");
        env["Vbi__Payments__Stripe__ApiKey"] = "sk_test_vbi_ach_tests";
        Host = HostProcess.Start(env);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        _client = await ClusterClients.ConnectAsync(LocalServices.ConnectionString(database), ClusterId);
        Archive = new BlobArchiveStore(new BlobContainerClient(LocalServices.ArchiveConnectionString, HostEnvironment.ContainerName(ClusterId)));
    }

    public HttpClient Operator() => OperatorHttp.Client(Host.BaseAddress);

    public HttpClient Customer(string token)
    {
        var http = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public async Task DisposeAsync()
    {
        if (_client is not null) await _client.StopAsync();
        _client?.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// ACH debits end to end on the real host: debits queued through the origination grain, the day's NACHA file run by an
/// operator over HTTP and read back from the archive, parsed by an independent parser (@midlandsbank/node-nacha), run
/// again byte-identical; a hand-written return file returns one debit: the debit returned, the ledger entry, the
/// customer's account locked (the customer sees it), and the same file again changes nothing.
/// </summary>
public sealed class AchFileTests(AchHostFixture fixture) : IClassFixture<AchHostFixture>
{
    private sealed record AchCustomer(string CustomerId, string Token, string MethodId);

    /// <summary>A customer signed up through the SDK, with a bank account added over the payment-methods API.</summary>
    private async Task<AchCustomer> CustomerWithBankAccountAsync(string routing, string account, string type, string holder)
    {
        using var anonymous = new VbiOrleans.Client.VbiClient(new VbiOrleans.Client.VbiClientOptions { BaseAddress = fixture.Host.BaseAddress });
        var session = await anonymous.SignUpAsync($"ach{Guid.NewGuid():N}@example.com", "correct horse battery staple");
        using var http = fixture.Customer(session.Token);
        var authorization = await (await http.GetAsync("/v1/payment-methods/ach-authorization")).JsonAsync();
        var added = await http.PostAsJsonAsync("/v1/payment-methods", new
        {
            bank = new
            {
                routingNumber = routing, accountNumber = account, accountType = type, holderName = holder,
                authorization = new { accepted = true, textVersion = authorization.GetProperty("version").GetString() },
            },
        });
        Assert.True(added.StatusCode == HttpStatusCode.Created, $"adding a bank account: {(int)added.StatusCode} {await added.Content.ReadAsStringAsync()}");
        var method = await added.JsonAsync();
        return new AchCustomer(session.Customer.CustomerId, session.Token, method.GetProperty("id").GetString()!);
    }

    private static string PurchaseId() => "pur_" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task The_days_NACHA_file_is_archived_once_read_by_node_nacha_and_a_returned_debit_is_reversed_locks_the_account_until_paid_by_card()
    {
        var alice = await CustomerWithBankAccountAsync("011000015", "12345678", "checking", "Alice Example");
        var bob = await CustomerWithBankAccountAsync("021000021", "987654321", "savings", "Bob Example");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var ach = fixture.Grains.GetGrain<IAchOriginationGrain>(0);

        // Queued as a purchase does once its PVD is durable; the same request again is the same debit.
        var aliceRequest = new AchDebitRequest(PurchaseId(), alice.CustomerId, alice.MethodId, 12_340, today);
        var aliceDebit = (await ach.QueueDebit(aliceRequest)).Debit!;
        Assert.Equal(aliceDebit, (await ach.QueueDebit(aliceRequest)).Debit);
        var bobDebit = (await ach.QueueDebit(new AchDebitRequest(PurchaseId(), bob.CustomerId, bob.MethodId, 500_000, today))).Debit!;
        Assert.Equal(VbiOrleans.Domain.Errors.ErrorCode.AchDebitConflict, (await ach.QueueDebit(aliceRequest with { AmountMills = 12_350 })).Error);
        Assert.Equal(VbiOrleans.Domain.Errors.ErrorCode.AchAmountNotWholeCents, (await ach.QueueDebit(new AchDebitRequest(PurchaseId(), bob.CustomerId, bob.MethodId, 12_345, today))).Error);

        using var op = fixture.Operator();
        var date = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var firstRun = await op.PostAsync($"/v1/operator/ach/files?date={date}", null);
        Assert.True(firstRun.IsSuccessStatusCode, await firstRun.Content.ReadAsStringAsync());
        var run = await firstRun.JsonAsync();
        Assert.True(run.GetProperty("created").GetBoolean());
        var file = run.GetProperty("file");
        Assert.Equal(2, file.GetProperty("entryCount").GetInt32());
        Assert.Equal(512_340, file.GetProperty("totalDebitMills").GetInt64());
        var archiveName = file.GetProperty("archiveName").GetString()!;
        Assert.Equal($"ach/outgoing/{date}/ach-{today:yyyyMMdd}.ach", archiveName);

        // Read back from the archive, and read by another parser: the same counts, total, entry hash and traces.
        var bytes = (await fixture.Archive.GetAsync(archiveName))!;
        Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        var parsed = await NodeNacha.ParseAsync(bytes);
        var footer = parsed.GetProperty("file").GetProperty("footer");
        Assert.Equal(1, footer.GetProperty("batchCount").GetInt32());
        Assert.Equal(2, footer.GetProperty("entryAndAddendaCount").GetInt32());
        Assert.Equal(1_100_001 + 2_100_002, footer.GetProperty("entryHash").GetInt64());
        Assert.Equal(file.GetProperty("entryHash").GetInt64(), footer.GetProperty("entryHash").GetInt64());
        Assert.Equal(1_234 + 50_000, footer.GetProperty("totalDebit").GetInt64());
        Assert.Equal(0, footer.GetProperty("totalCredit").GetInt64());
        var batch = parsed.GetProperty("batches")[0];
        Assert.Equal(225, batch.GetProperty("serviceClassCode").GetInt32());
        Assert.Equal("PPD", batch.GetProperty("entryClassCode").GetString());
        var entries = batch.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([aliceDebit.TraceNumber, bobDebit.TraceNumber], entries.Select(e => e.GetProperty("traceNumber").GetString()!));
        Assert.Equal(["27", "37"], entries.Select(e => e.GetProperty("transactionCode").GetString()!));
        Assert.Equal(["011000015", "021000021"], entries.Select(e => e.GetProperty("routing").GetString()!));
        Assert.Equal([1_234L, 50_000], entries.Select(e => e.GetProperty("amount").GetInt64()));

        // The day again: the same file, byte for byte, and no debit sent twice.
        var secondRun = await (await op.PostAsync($"/v1/operator/ach/files?date={date}", null)).JsonAsync();
        Assert.False(secondRun.GetProperty("created").GetBoolean());
        Assert.Equal(file.GetProperty("sha256").GetString(), secondRun.GetProperty("file").GetProperty("sha256").GetString());
        Assert.Equal(bytes, await fixture.Archive.GetAsync(archiveName));
        Assert.Single(await fixture.Archive.ListAsync("ach/outgoing/"), n => n.StartsWith($"ach/outgoing/{date}/", StringComparison.Ordinal));
        var files = await (await op.GetAsync($"/v1/operator/ach/files?date={date}")).JsonAsync();
        Assert.Equal([aliceDebit.TraceNumber, bobDebit.TraceNumber], files[0].GetProperty("traceNumbers").EnumerateArray().Select(t => t.GetString()!));
        var aliceDebits = await (await op.GetAsync($"/v1/operator/ach/debits?customer={alice.CustomerId}")).JsonAsync();
        Assert.Equal("Sent", aliceDebits[0].GetProperty("status").GetString());
        Assert.Equal($"ach-{today:yyyyMMdd}", aliceDebits[0].GetProperty("fileId").GetString());

        // The ODFI's return file, written by hand: Alice's debit returned R01, and a trace that is none of ours.
        var returnFile = ReturnFile(today, (aliceDebit.TraceNumber, "R01", "011000015", "12345678", 1_234, alice.CustomerId),
            ("091000019999999", "R03", "011000015", "55555", 100, "U-NOBODY"));
        var applied = await PostReturnsAsync(op, returnFile);
        var outcomes = applied.GetProperty("returns").EnumerateArray().ToList();
        Assert.Equal(["Applied", "UnknownTrace"], outcomes.Select(o => o.GetProperty("outcome").GetString()!));
        Assert.Equal(aliceDebit.PurchaseId, outcomes[0].GetProperty("purchaseId").GetString());

        aliceDebits = await (await op.GetAsync($"/v1/operator/ach/debits?customer={alice.CustomerId}")).JsonAsync();
        Assert.Equal("Returned", aliceDebits[0].GetProperty("status").GetString());
        Assert.Equal("R01", aliceDebits[0].GetProperty("returnCode").GetString());
        var bobDebits = await (await op.GetAsync($"/v1/operator/ach/debits?customer={bob.CustomerId}")).JsonAsync();
        Assert.Equal("Sent", bobDebits[0].GetProperty("status").GetString());

        // The ledger: ach-return, DR ach-returns-receivable, CR ach-clearing; the trial balance still balances.
        var ledger = await LedgerEntriesAsync(op, alice.CustomerId);
        var reversal = Assert.Single(ledger, e => e.GetProperty("id").GetString() == $"ach-return:{aliceDebit.TraceNumber}");
        var postings = reversal.GetProperty("postings").EnumerateArray().Select(p =>
            (p.GetProperty("account").GetString(), p.GetProperty("debitMills").GetInt64(), p.GetProperty("creditMills").GetInt64())).ToList();
        Assert.Contains(($"ach-returns-receivable:{alice.CustomerId}", 12_340L, 0L), postings);
        Assert.Contains(("ach-clearing", 0L, 12_340L), postings);
        Assert.True((await (await op.GetAsync("/v1/operator/ledger/trial-balance")).JsonAsync()).GetProperty("balances").GetBoolean());

        // The customer, on their own signed-in request, sees the account locked for this returned debit.
        var standing = await StandingAsync(alice);
        Assert.True(standing.GetProperty("locked").GetBoolean(), standing.ToString());
        Assert.Contains(standing.GetProperty("locks").EnumerateArray(), l => l.GetProperty("reference").GetString() == aliceDebit.TraceNumber);
        Assert.False((await StandingAsync(bob)).GetProperty("locked").GetBoolean());

        // The same return file again: reported as a duplicate, and nothing changes.
        var again = await PostReturnsAsync(op, returnFile);
        Assert.Equal(["Duplicate", "UnknownTrace"], again.GetProperty("returns").EnumerateArray().Select(o => o.GetProperty("outcome").GetString()!));
        Assert.Equal(ledger.Select(e => e.ToString()), (await LedgerEntriesAsync(op, alice.CustomerId)).Select(e => e.ToString()));
        Assert.Equal(standing.GetProperty("locks").ToString(), (await StandingAsync(alice)).GetProperty("locks").ToString());
        Assert.Equal(aliceDebits.ToString(), (await (await op.GetAsync($"/v1/operator/ach/debits?customer={alice.CustomerId}")).JsonAsync()).ToString());

        // Alice pays the returned debit with a card, through the SDK: captured, booked, and her account unlocked.
        using var aliceClient = new VbiOrleans.Client.VbiClient(new VbiOrleans.Client.VbiClientOptions { BaseAddress = fixture.Host.BaseAddress, CustomerToken = alice.Token });
        var card = await AddCardAsync(alice, "tok_visa");
        var notYours = await Assert.ThrowsAsync<VbiOrleans.Client.VbiApiException>(() => aliceClient.PayAchReturnAsync(bobDebit.TraceNumber, card));
        Assert.Equal(VbiOrleans.Client.VbiErrorCodes.AchTraceUnknown, notYours.Code);
        var notCard = await Assert.ThrowsAsync<VbiOrleans.Client.VbiApiException>(() => aliceClient.PayAchReturnAsync(aliceDebit.TraceNumber, alice.MethodId));
        Assert.Equal(VbiOrleans.Client.VbiErrorCodes.AchPaymentMethodNotCard, notCard.Code);
        var paid = await aliceClient.PayAchReturnAsync(aliceDebit.TraceNumber, card);
        Assert.Equal("Returned", paid.Status);
        Assert.NotNull(paid.ReturnPaidAt);
        Assert.NotNull(paid.ReturnPaidCharge);
        Assert.Equal(paid, await aliceClient.PayAchReturnAsync(aliceDebit.TraceNumber, card)); // paying again charges nothing more
        Assert.False((await StandingAsync(alice)).GetProperty("locked").GetBoolean());
        var payment = Assert.Single(await LedgerEntriesAsync(op, alice.CustomerId), e => e.GetProperty("id").GetString() == $"ach-return-paid:{aliceDebit.TraceNumber}");
        Assert.Contains(payment.GetProperty("postings").EnumerateArray(), p =>
            p.GetProperty("account").GetString() == $"ach-returns-receivable:{alice.CustomerId}" && p.GetProperty("creditMills").GetInt64() == 12_340);
        Assert.Equal([paid], await aliceClient.ListAchDebitsAsync());
        using var bobClient = new VbiOrleans.Client.VbiClient(new VbiOrleans.Client.VbiClientOptions { BaseAddress = fixture.Host.BaseAddress, CustomerToken = bob.Token });
        var notReturned = await Assert.ThrowsAsync<VbiOrleans.Client.VbiApiException>(async () => await bobClient.PayAchReturnAsync(bobDebit.TraceNumber, await AddCardAsync(bob, "tok_visa")));
        Assert.Equal(VbiOrleans.Client.VbiErrorCodes.AchDebitNotReturned, notReturned.Code);

        // A return file the ODFI's transfer drops in the archive is read by the next run of the job: Bob's debit, R02.
        var dropped = $"ach/returns/odfi/{date}-{Guid.NewGuid():N}.ach";
        await fixture.Archive.PutAsync(dropped, ReturnFile(today, (bobDebit.TraceNumber, "R02", "021000021", "987654321", 50_000, bob.CustomerId)));
        var pickup = await (await op.PostAsync($"/v1/operator/ach/files?date={date}", null)).JsonAsync();
        var read = Assert.Single(pickup.GetProperty("returnFiles").EnumerateArray());
        Assert.Equal(dropped, read.GetProperty("archiveName").GetString());
        Assert.Equal("Applied", Assert.Single(read.GetProperty("returns").EnumerateArray()).GetProperty("outcome").GetString());
        Assert.Equal(file.GetProperty("sha256").GetString(), pickup.GetProperty("file").GetProperty("sha256").GetString());
        bobDebits = await (await op.GetAsync($"/v1/operator/ach/debits?customer={bob.CustomerId}")).JsonAsync();
        Assert.Equal(("Returned", "R02"), (bobDebits[0].GetProperty("status").GetString(), bobDebits[0].GetProperty("returnCode").GetString()));
        Assert.True((await StandingAsync(bob)).GetProperty("locked").GetBoolean());
        // Read once: the next run finds nothing new.
        Assert.Equal(0, (await (await op.PostAsync($"/v1/operator/ach/files?date={date}", null)).JsonAsync()).GetProperty("returnFiles").GetArrayLength());
        Assert.True((await (await op.GetAsync("/v1/operator/ledger/trial-balance")).JsonAsync()).GetProperty("balances").GetBoolean());
    }

    /// <summary>A card from a payment provider test token, added over the payment-methods API; its method id.</summary>
    private async Task<string> AddCardAsync(AchCustomer customer, string token)
    {
        using var http = fixture.Customer(customer.Token);
        var added = await http.PostAsJsonAsync("/v1/payment-methods", new { card = new { token } });
        Assert.True(added.StatusCode == HttpStatusCode.Created, $"adding a card: {(int)added.StatusCode} {await added.Content.ReadAsStringAsync()}");
        return (await added.JsonAsync()).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task A_malformed_return_file_and_a_bad_date_are_refused_with_their_codes_and_change_nothing()
    {
        using var op = fixture.Operator();
        var before = (await fixture.Archive.ListAsync("ach/returns/")).Count;
        var response = await op.PostAsync("/v1/operator/ach/returns", new ByteArrayContent(Encoding.ASCII.GetBytes("101 this is not a NACHA file\n")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("AchReturnFileMalformed", (await response.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(before, (await fixture.Archive.ListAsync("ach/returns/")).Count);

        var future = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var refused = await op.PostAsync($"/v1/operator/ach/files?date={future}", null);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("AchFileDateInvalid", (await refused.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal(0, (await (await op.GetAsync($"/v1/operator/ach/files?date={future}")).JsonAsync()).GetArrayLength());
        Assert.Equal("AchFileDateInvalid", (await (await op.PostAsync("/v1/operator/ach/files?date=2026-13-01", null)).JsonAsync()).GetProperty("code").GetString());
    }

    private async Task<JsonElement> StandingAsync(AchCustomer customer)
    {
        using var http = fixture.Customer(customer.Token);
        var me = await http.GetAsync("/v1/customers/me");
        Assert.True(me.IsSuccessStatusCode, await me.Content.ReadAsStringAsync());
        return await me.JsonAsync();
    }

    private static async Task<List<JsonElement>> LedgerEntriesAsync(HttpClient op, string customerId)
    {
        var response = await op.GetAsync($"/v1/operator/ledger/entries?customer={customerId}");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return [.. (await response.JsonAsync()).GetProperty("entries").EnumerateArray()];
    }

    internal static async Task<JsonElement> PostReturnsAsync(HttpClient op, byte[] returnFile)
    {
        using var content = new ByteArrayContent(returnFile);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        var response = await op.PostAsync("/v1/operator/ach/returns", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.JsonAsync();
    }

    /// <summary>
    /// A return file as an ODFI sends one, record by record: file header, a batch of returned debits (transaction code
    /// 26, each followed by its addenda 99 with the reason and our original trace), batch and file control, 9-fill.
    /// </summary>
    internal static byte[] ReturnFile(DateOnly date, params (string Trace, string Code, string Routing, string Account, long Cents, string Id)[] returns)
    {
        var yymmdd = date.ToString("yyMMdd", CultureInfo.InvariantCulture);
        var lines = new List<string>
        {
            $"101 091000019 021000021{yymmdd}0930A094101{"VBI ORLEANS",-23}{"ODFI BANK",-23}{"",8}",
            $"5225{"VBI ORLEANS",-16}{"",20}1000000001PPD{"POSTAGE",-10}{yymmdd}{yymmdd}   102100002{1:D7}",
        };
        long hash = 0, total = 0;
        var sequence = 0;
        foreach (var (trace, code, routing, account, cents, id) in returns)
        {
            sequence++;
            lines.Add($"626{routing}{account,-17}{cents:D10}{id[..Math.Min(15, id.Length)].ToUpperInvariant(),-15}{"RETURNED",-22}  102100002{sequence:D7}");
            lines.Add($"799{code}{trace}      {routing[..8]}{"",44}02100002{sequence:D7}");
            hash += long.Parse(routing[..8], CultureInfo.InvariantCulture);
            total += cents;
        }
        var count = returns.Length * 2;
        lines.Add($"8225{count:D6}{hash:D10}{total:D12}{0:D12}1000000001{"",19}{"",6}02100002{1:D7}");
        lines.Add($"9{1:D6}{1:D6}{count:D8}{hash:D10}{total:D12}{0:D12}{"",39}");
        while (lines.Count % 10 != 0) lines.Add(new string('9', 94));
        Assert.All(lines, l => Assert.Equal(94, l.Length));
        return Encoding.ASCII.GetBytes(string.Join("\n", lines) + "\n");
    }
}
