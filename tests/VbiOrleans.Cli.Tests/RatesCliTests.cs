using System.Net;
using VbiOrleans.Client;

namespace VbiOrleans.Cli.Tests;

/// <summary>
/// <c>vbi rates</c> without a server: the query it sends, what it prints, its refusals before sending anything, and
/// a server's refusal as an exit code. Against a real host: VbiOrleans.Host.Tests/Api/RatesApiTests.
/// </summary>
public sealed class RatesCliTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-rates-unit-" + Guid.NewGuid().ToString("N")[..8]);

    private const string Answer = """
        {"from":"10001","to":"90001","zone":"8","zoneBasis":"distance","miles":2446,"tableId":"usps-2026-07-12","tableEffective":"2026-07-12",
         "weightOz":"20","dims":"13x12x12","quotes":[
          {"mailClass":"GROUND-ADVANTAGE","shape":"parcel","zone":"8","tableId":"usps-2026-07-12","postageMills":30140,"postage":"$30.140",
           "breakdown":{"baseMills":22290,"pricedBy":"dimensional-weight","ratedWeightOz":"192","priceStepOz":"192",
            "dimensionalWeight":{"roundedDims":"13x12x12","cubicInches":1872,"pounds":12,"applied":true},"cubicTier":null,
            "services":[{"service":"signature","mills":3850,"amount":"$3.850"},{"service":"insurance","mills":4000,"amount":"$4.000"}]}},
          {"mailClass":"PRIORITY","shape":"parcel","zone":"8","tableId":"usps-2026-07-12","postageMills":60540,"postage":"$60.540",
           "breakdown":{"baseMills":52690,"pricedBy":"cubic-tier","ratedWeightOz":"20","priceStepOz":"32","dimensionalWeight":null,
            "cubicTier":{"tier":"0.4","mills":52690,"applied":true},"services":[]}}],
         "refused":[{"mailClass":"FIRST-CLASS","code":"ClassDoesNotTakeShipment","detail":"FIRST-CLASS takes letters and flats, not a parcel"}]}
        """;

    private Task<(int Exit, string Out, string Err)> Run(FakeServer server, params string[] args) =>
        InProcessCli.RunAsync(server, new Dictionary<string, string> { ["VBI_HOME"] = _home }, args);

    [Fact]
    public async Task Rates_sends_the_shipment_and_prints_each_quote_with_how_it_was_priced()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, Answer));
        var (exit, output, error) = await Run(server, "rates", "--from", "10001", "--to", "90001", "--weight", "20", "--dims", "12x12x13",
            "--services", "signature,insurance", "--declared-value", "120.50", "--date", "2026-08-01");
        Assert.True(exit == 0, error);
        var request = Assert.Single(server.Requests).Request;
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("/v1/rates", request.RequestUri!.AbsolutePath);
        Assert.Equal("?from=10001&to=90001&weightOz=20&dims=12x12x13&services=signature%2Cinsurance&declaredValueMills=120500&date=2026-08-01",
            request.RequestUri.Query);
        Assert.Null(request.Headers.Authorization); // quoting needs no credential
        Assert.Contains("zone 8 (distance, 2446 mi); price table usps-2026-07-12 (effective 2026-07-12)", output, StringComparison.Ordinal);
        Assert.Contains("dimensional weight 12 lb (13x12x12 in) + signature $3.850 + insurance $4.000", output, StringComparison.Ordinal);
        Assert.Contains("cubic tier 0.4 cu ft", output, StringComparison.Ordinal);
        Assert.Contains("not FIRST-CLASS: FIRST-CLASS takes letters and flats, not a parcel", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rates_for_one_class_sends_the_class_and_json_is_the_servers_answer()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, Answer));
        var (exit, output, _) = await Run(server, "rates", "--from", "10001", "--to", "90001", "--weight", "3.5", "--class", "first-class", "--json");
        Assert.Equal(0, exit);
        Assert.Equal("?from=10001&to=90001&weightOz=3.5&class=first-class", server.Last.RequestUri!.Query);
        Assert.Equal(60_540, System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("quotes")[1].GetProperty("postageMills").GetInt64());
    }

    [Fact]
    public async Task Rates_refuses_what_it_cannot_send_and_exits_refused_on_a_servers_refusal()
    {
        var none = new FakeServer(_ => throw new InvalidOperationException("no request expected"));
        Assert.Equal(ExitCodes.Usage, (await Run(none, "rates", "--to", "90001", "--weight", "3")).Exit); // no --from, no meter here
        Assert.Equal(ExitCodes.Usage, (await Run(none, "rates", "--from", "10001", "--to", "90001")).Exit);
        Assert.Equal(ExitCodes.Usage, (await Run(none, "rates", "--from", "10001", "--to", "90001", "--weight", "3", "--declared-value", "-5")).Exit);
        Assert.Equal(ExitCodes.Usage, (await Run(none, "rates", "--from", "10001", "--to", "90001", "--weight", "3", "--date", "tomorrow")).Exit);
        Assert.Empty(none.Requests);

        // The meter's licensing ZIP is the default origin.
        new CliHome(_home).Save(new CliConfig { LicensingZip = "94102" });
        var refusing = new FakeServer(_ => FakeServer.Problem(422, VbiErrorCodes.ClassDoesNotTakeShipment, "a FIRST-CLASS letter weighs at most 3.5 oz"));
        var (exit, _, error) = await Run(refusing, "rates", "--to", "90001", "--weight", "4", "--class", "FIRST-CLASS", "--shape", "letter");
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("error ClassDoesNotTakeShipment: a FIRST-CLASS letter weighs at most 3.5 oz", error, StringComparison.Ordinal);
        Assert.StartsWith("?from=94102&to=90001", refusing.Last.RequestUri!.Query, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
