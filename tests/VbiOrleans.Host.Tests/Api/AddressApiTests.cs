using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// POST /v1/addresses/match on a real Local-profile host over loopback HTTP: a customer (token) and a partner
/// (signed requests) through the SDK, and the refusals of bad input as problem documents with stable codes.
/// </summary>
public sealed class AddressApiTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private const string Line = "Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102";

    private VbiClient Client(string? token = null, PartnerCredentials? partner = null, bool asOperator = false) => new(new VbiClientOptions
    {
        BaseAddress = fixture.Host.BaseAddress, CustomerToken = token, Partner = partner, Timeout = TimeSpan.FromSeconds(60),
        OperatorName = asOperator ? HostEnvironment.OperatorName : null, OperatorKey = asOperator ? HostEnvironment.OperatorKey : null,
    });

    private async Task<string> CustomerTokenAsync()
    {
        using var anonymous = Client();
        return (await anonymous.SignUpAsync($"a{Guid.NewGuid():N}@example.com", "correct horse battery staple")).Token;
    }

    [Fact]
    public async Task A_customer_matches_a_line_and_fields_through_the_sdk()
    {
        using var customer = Client(await CustomerTokenAsync());

        var exact = await customer.MatchAddressAsync(Line);
        Assert.Equal("zip", exact.Level);
        Assert.Contains("zipcodes 8.0.0", exact.Data, StringComparison.Ordinal);
        var only = Assert.Single(exact.Candidates);
        Assert.Equal(("Exact", 1), (only.Type, only.Rank));
        Assert.Equal("JANE ROE, 1 DR CARLTON B GOODLETT PL, SAN FRANCISCO CA 94102", only.Address.OneLine);
        Assert.Empty(only.Changes); // upper case alone is not reported as a change

        // Wrong ZIP for the city: ZIP corrections from city and state rank before the ZIP's own city.
        var wrongZip = await customer.MatchAddressAsync(new AddressFields(["1 Dr Carlton B Goodlett Place"], "San Francisco", "CA", "94301"));
        Assert.Contains(wrongZip.Candidates[0].Changes, c => c is { Field: "deliveryLine", Kind: "Standardized", To: "1 DR CARLTON B GOODLETT PL" });
        Assert.Contains(wrongZip.Candidates[0].Changes, c => c is { Field: "zip", Kind: "Corrected", From: "94301" });
        Assert.Equal("ZipCorrected", wrongZip.Candidates[0].Type);
        Assert.StartsWith("941", wrongZip.Candidates[0].Address.Zip, StringComparison.Ordinal);
        Assert.Contains(wrongZip.Candidates, c => c is { Type: "CityCorrected", Address.City: "PALO ALTO" });
        Assert.Equal(Enumerable.Range(1, wrongZip.Candidates.Count), wrongZip.Candidates.Select(c => c.Rank));

        var spelling = await customer.MatchAddressAsync("1 Main St, Scaramento, CA");
        Assert.Equal(("CitySpelling", "SACRAMENTO"), (spelling.Candidates[0].Type, spelling.Candidates[0].Address.City));
    }

    [Fact]
    public async Task A_partner_matches_with_a_signed_request()
    {
        using var op = Client(asOperator: true);
        var partnerId = "addr-" + Guid.NewGuid().ToString("N")[..8];
        var created = await op.CreatePartnerAsync(partnerId, "Address shop");
        using var partner = Client(partner: new PartnerCredentials(partnerId, created.Secret));
        var result = await partner.MatchAddressAsync("1 Main St, Springfield CA 94102");
        Assert.Equal(("CityCorrected", "SAN FRANCISCO"), (result.Candidates[0].Type, result.Candidates[0].Address.City));
        Assert.Contains(result.Candidates[0].Changes, c => c is { Field: "city", Kind: "Corrected", From: "SPRINGFIELD" });
    }

    [Fact]
    public async Task Anonymous_callers_and_operators_are_refused()
    {
        using var anonymous = Client();
        var none = await Assert.ThrowsAsync<VbiApiException>(() => anonymous.MatchAddressAsync(Line));
        Assert.Equal((401, VbiErrorCodes.Unauthenticated), (none.Status, none.Code));
        var (status, body) = await PostAsync("""{"line":"1 Main St, Springfield IL 62701"}""", token: null, operatorKey: true);
        Assert.Equal(403, status);
        Assert.Equal("Forbidden", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("""{"line":"1 Main St, Qwxzvbnm, CA 00000"}""", 422, "AddressNotMatched")]
    [InlineData("""{"line":"1 Main St, Springfield XX 62701"}""", 400, "UnknownState")]
    [InlineData("""{"street":["1 Main St"],"city":"Springfield","state":"Narnia"}""", 400, "UnknownState")]
    [InlineData("""{"line":"1 Main St, Springfield IL 6270"}""", 400, "InvalidZip")]
    [InlineData("""{"street":["1 Main St"],"city":"Springfield","state":"IL","zip":"62701-12"}""", 400, "InvalidZip")]
    [InlineData("""{"line":"Springfield IL 62701"}""", 400, "AddressIncomplete")]
    [InlineData("""{"street":["1 Main St"],"city":"Springfield"}""", 400, "AddressIncomplete")]
    [InlineData("""{"street":["1 Main St","Apt 2","Rear"],"zip":"62701"}""", 400, "AddressLineTooLong")]
    [InlineData("""{"line":"1 Main St","zip":"62701"}""", 400, "ValidationFailed")]
    [InlineData("""{"line":"1 Main St, Springfield IL 62701","country":"US"}""", 400, "MalformedRequest")]
    public async Task Bad_input_is_a_problem_with_a_stable_code(string json, int status, string code)
    {
        var token = await CustomerTokenAsync();
        var (actual, body) = await PostAsync(json, token);
        Assert.Equal(status, actual);
        Assert.Equal(code, body.GetProperty("code").GetString());
        if (code == "AddressNotMatched")
            Assert.Equal("1 MAIN ST", body.GetProperty("standardized").GetProperty("deliveryLine").GetString());
    }

    [Fact]
    public async Task Oversized_lines_are_refused_and_the_sdk_names_the_code()
    {
        using var customer = Client(await CustomerTokenAsync());
        var tooLong = await Assert.ThrowsAsync<VbiApiException>(() => customer.MatchAddressAsync("1 Main St, " + new string('A', 400) + ", CA 94102"));
        Assert.Equal((400, VbiErrorCodes.AddressLineTooLong), (tooLong.Status, tooLong.Code));
        var nothing = await Assert.ThrowsAsync<VbiApiException>(() => customer.MatchAddressAsync("1 Main St, Qwxzvbnm, CA 00000"));
        Assert.Equal((422, VbiErrorCodes.AddressNotMatched), (nothing.Status, nothing.Code));
        Assert.Equal("QWXZVBNM CA 00000", nothing.Extensions["standardized"].GetProperty("lastLine").GetString());
    }

    [Fact]
    public async Task The_openapi_document_and_the_reference_page_list_matching_and_its_codes()
    {
        using var http = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        var doc = await (await http.GetAsync("/openapi/v1.json")).JsonAsync();
        Assert.True(doc.GetProperty("paths").TryGetProperty("/v1/addresses/match", out var path) && path.TryGetProperty("post", out _));
        var reference = await http.GetStringAsync("/reference");
        foreach (var code in new[] { "AddressNotMatched", "AddressIncomplete", "AddressLineTooLong", "UnknownState" })
            Assert.Contains($"<code>{code}</code>", reference, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_lists_the_candidates_of_the_real_matcher()
    {
        var home = Path.Combine(Path.GetTempPath(), "vbi-addr-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(home, "config.json"),
                JsonSerializer.Serialize(new { server = fixture.Host.BaseAddress.AbsoluteUri, token = await CustomerTokenAsync() }));
            var environment = new Cli.CliEnvironment { GetVariable = name => name == "VBI_HOME" ? home : null, ReadSecret = _ => null, Timeout = TimeSpan.FromSeconds(60) };
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = await Cli.CliApp.RunAsync(["address", "1 Main Street, San Fransisco, CA 94301"], stdout, stderr, environment);
            Assert.True(exit == Cli.ExitCodes.Ok, stderr.ToString());
            var lines = stdout.ToString().ReplaceLineEndings("\n").Split('\n');
            Assert.StartsWith("1. CityCorrected: 1 MAIN ST, PALO ALTO CA 94301", lines[1], StringComparison.Ordinal);
            Assert.Contains("   deliveryLine: 1 Main Street -> 1 MAIN ST (Publication 28 form)", lines);
            Assert.Contains(lines, l => l.Contains("CitySpelling: 1 MAIN ST, SAN FRANCISCO CA 941", StringComparison.Ordinal));

            stdout = new StringWriter();
            stderr = new StringWriter();
            exit = await Cli.CliApp.RunAsync(["address", "1 Main St, Qwxzvbnm, CA 00000"], stdout, stderr, environment);
            Assert.Equal(Cli.ExitCodes.Refused, exit);
            Assert.Contains("error AddressNotMatched", stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains("read as: 1 MAIN ST, QWXZVBNM CA 00000", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private async Task<(int Status, JsonElement Body)> PostAsync(string json, string? token, bool operatorKey = false)
    {
        using var http = operatorKey ? OperatorHttp.Client(fixture.Host.BaseAddress) : new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/addresses/match") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, await response.JsonAsync());
    }
}
