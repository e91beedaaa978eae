using System.Net;
using System.Text.Json;
using VbiOrleans.Cli;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// <c>GET /v1/rates</c> over real HTTP against a Local-profile host process: through the SDK (one class, rate
/// shopping, the table by date), each bad input as its named error, and <c>vbi rates</c>. The figures are the
/// embedded tables' (src/VbiOrleans.Domain/Rates/Data), read here from the files' rows.
/// </summary>
public sealed class RatesApiTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>, IDisposable
{
    private static readonly DateOnly August = new(2026, 8, 1);
    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-rates-" + Guid.NewGuid().ToString("N")[..8]);

    private VbiClient Client() => new(new VbiClientOptions { BaseAddress = fixture.Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) });

    [Fact]
    public async Task One_class_is_quoted_with_its_zone_table_and_breakdown()
    {
        using var client = Client();
        // 12 x 12 x 13 in is over one cubic foot: 1,872 / 166 = 11.3, so 12 lb; zone 8 from New York to Los Angeles.
        var rates = await client.GetRatesAsync(new RateRequest("10001", "90001", "20", Dims: "12x12x13", MailClass: "priority",
            Services: ["signature"], Date: August));
        Assert.Equal(("8", "usps-2026-07-12", "2026-07-12"), (rates.Zone, rates.TableId, rates.TableEffective));
        var quote = Assert.Single(rates.Quotes);
        Assert.Equal(("PRIORITY", "parcel", "dimensional-weight", "192"), (quote.MailClass, quote.Shape, quote.Breakdown.PricedBy, quote.Breakdown.PriceStepOz));
        Assert.Equal(new RateDimensionalWeight("13x12x12", 1872, 12, true), quote.Breakdown.DimensionalWeight);
        Assert.Equal(52_690, quote.Breakdown.BaseMills); // the 12 lb row, zone 8 column of usps-2026-07-12
        Assert.Equal(new RateServiceCharge("signature", 3_850, "$3.850"), Assert.Single(quote.Breakdown.Services));
        Assert.Equal(52_690 + 3_850, quote.PostageMills);
        Assert.Empty(rates.Refused);

        // The table in force on the day: the earlier one before 12 July 2026.
        var march = await client.GetRatesAsync(new RateRequest("10001", "90001", "20", MailClass: "PRIORITY", Date: new DateOnly(2026, 3, 1)));
        Assert.Equal(("usps-2026-01-18", 19_250L), (march.TableId, march.Quotes.Single().PostageMills));
    }

    [Fact]
    public async Task Rate_shopping_lists_the_classes_that_take_a_parcel_cheapest_first()
    {
        using var client = Client();
        var rates = await client.GetRatesAsync(new RateRequest("10001", "96939", "32", Dims: "10x8x6", Date: August)); // Palau
        Assert.Equal("9", rates.Zone);
        Assert.Equal(["GROUND-ADVANTAGE", "MEDIA", "PRIORITY", "PRIORITY-EXPRESS"], rates.Quotes.Select(q => q.MailClass).Order());
        Assert.Equal(rates.Quotes.Select(q => q.PostageMills).Order(), rates.Quotes.Select(q => q.PostageMills));
        Assert.Equal(13_280, rates.Quotes.Single(q => q.MailClass == "GROUND-ADVANTAGE").PostageMills);
        Assert.Equal(["FIRST-CLASS", "MARKETING"], rates.Refused.Select(r => r.MailClass));
        Assert.All(rates.Refused, r => Assert.Equal(VbiErrorCodes.ClassDoesNotTakeShipment, r.Code));
    }

    [Fact]
    public async Task The_openapi_document_lists_the_rates_parameters()
    {
        using var http = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        var doc = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;
        var parameters = doc.GetProperty("paths").GetProperty("/v1/rates").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["from", "to", "weightOz", "dims", "class", "shape", "services", "declaredValueMills", "date"], parameters);
    }

    [Theory]
    [InlineData("from=99999&to=90001&weightOz=1", 422, "UnknownZip")]
    [InlineData("to=90001&weightOz=1", 400, "InvalidZip")]
    [InlineData("from=10001&to=90001", 400, "InvalidWeight")]
    [InlineData("from=1000&to=90001&weightOz=1", 400, "InvalidZip")]
    [InlineData("from=10001&to=90001&weightOz=0", 400, "InvalidWeight")]
    [InlineData("from=10001&to=90001&weightOz=1121", 400, "InvalidWeight")] // over 70 lb: no class takes it
    [InlineData("from=10001&to=90001&weightOz=1.25", 400, "InvalidWeight")]
    [InlineData("from=10001&to=90001&weightOz=16&dims=0x4x4", 400, "InvalidDimensions")]
    [InlineData("from=10001&to=90001&weightOz=16&dims=60x20x20", 400, "InvalidDimensions")]
    [InlineData("from=10001&to=90001&weightOz=4&class=FIRST-CLASS&shape=letter", 422, "ClassDoesNotTakeShipment")]
    [InlineData("from=10001&to=90001&weightOz=16&dims=10x8x4&class=FIRST-CLASS", 422, "ClassDoesNotTakeShipment")]
    [InlineData("from=10001&to=90001&weightOz=1&class=PARCEL-POST", 400, "UnknownMailClass")]
    [InlineData("from=10001&to=90001&weightOz=1&class=FIRST-CLASS&services=signature", 422, "ExtraServiceNotAvailable")]
    [InlineData("from=10001&to=90001&weightOz=16&services=registered", 400, "UnknownExtraService")]
    [InlineData("from=10001&to=90001&weightOz=16&services=insurance", 400, "InvalidDeclaredValue")]
    [InlineData("from=10001&to=90001&weightOz=16&services=insurance&declaredValueMills=12.5", 400, "InvalidDeclaredValue")]
    [InlineData("from=10001&to=90001&weightOz=1&date=2025-01-01", 422, "NoRateTableInEffect")]
    [InlineData("from=10001&to=90001&weightOz=16&dim=10x8x4", 400, "ValidationFailed")] // misspelt: not quietly ignored
    [InlineData("from=10001&to=90001&weightOz=16&weightOz=1", 400, "ValidationFailed")]
    public async Task Bad_input_is_a_problem_with_a_stable_code(string query, int status, string code)
    {
        using var http = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        using var response = await http.GetAsync("/v1/rates?" + query);
        Assert.Equal((HttpStatusCode)status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task The_sdk_raises_the_code_and_vbi_rates_prints_and_refuses()
    {
        using var client = Client();
        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.GetRatesAsync(new RateRequest("10001", "90001", "1121", MailClass: "MEDIA")));
        Assert.Equal((400, VbiErrorCodes.InvalidWeight), (error.Status, error.Code));

        var (exit, output, stderr) = await Vbi("rates", "--from", "94102", "--to", "94103", "--weight", "32", "--dims", "10x8x6", "--date", "2026-08-01");
        Assert.True(exit == 0, stderr);
        Assert.Contains("zone 1 (distance", output, StringComparison.Ordinal);
        Assert.Contains("price table usps-2026-07-12", output, StringComparison.Ordinal);
        Assert.EndsWith("$7.140  weight, up to 32 oz", output.Split('\n').Single(l => l.StartsWith("GROUND-ADVANTAGE", StringComparison.Ordinal)).TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("not FIRST-CLASS:", output, StringComparison.Ordinal);

        (exit, output, stderr) = await Vbi("rates", "--from", "10001", "--to", "96939", "--weight", "3", "--class", "FIRST-CLASS", "--date", "2026-08-01", "--json");
        Assert.True(exit == 0, stderr);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal("9", json.GetProperty("zone").GetString());
        Assert.Equal(1_390, json.GetProperty("quotes")[0].GetProperty("postageMills").GetInt64());

        (exit, _, stderr) = await Vbi("rates", "--from", "10001", "--to", "00000", "--weight", "3");
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("error UnknownZip", stderr, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Out, string Err)> Vbi(params string[] args)
    {
        var environment = new CliEnvironment
        {
            GetVariable = name => name switch { "VBI_SERVER" => fixture.Host.BaseAddress.ToString(), "VBI_HOME" => _home, _ => null },
            ReadSecret = _ => null,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
