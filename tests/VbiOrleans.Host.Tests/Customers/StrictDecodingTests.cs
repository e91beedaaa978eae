using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Protocol.Partners;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// Strict request decoding over real HTTP (issue 16, item 3): a validly signed PVD whose body spells the amount as a
/// string, gives a member of the wrong type, or gives a member twice is 400 <c>MalformedRequest</c> naming the member,
/// from a customer and from a partner signing the exact bytes, and the meter's registers, sequence, checkpoints and
/// history are unchanged; the honest body then executes. Bodies bound by minimal APIs get the same answer.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class StrictDecodingTests(CustomerHostFixture host)
{
    private static SignedRequestJson Sign(Customer c, TransactionBody transaction, string key)
    {
        var s = c.Session.State;
        using var chain = ChallengeChain.Resume(c.MeterId, c.Hmk, new ChainState(s.SessionId.Span, s.Challenge.Span, s.AscendingMills, s.DescendingMills));
        return chain.Sign(transaction, key).ToJson();
    }

    private static string Body(SignedRequestJson request) => JsonSerializer.Serialize(new { request, label = (object?)null }, VbiJson.Options);

    /// <summary>The honest body with one edit; the edit must apply, or the test would send the honest body.</summary>
    private static string Edit(string body, string from, string to)
    {
        var edited = body.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(body, edited);
        return edited;
    }

    private static void AssertMalformed((int Status, JsonElement Body, HttpResponseMessage Response) response, string field)
    {
        Assert.True(response.Status == 400 && response.Body.GetProperty("code").GetString() == "MalformedRequest",
            $"expected 400 MalformedRequest, got {response.Status}: {response.Body}");
        Assert.Equal(field, response.Body.GetProperty("field").GetString());
        Assert.Equal("application/problem+json", response.Response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Each way of spelling a PVD of 1,000 mills that is not the one documented spelling, and the member it is about.</summary>
    private static IEnumerable<(string Body, string Field)> Misspelt(string honest) =>
    [
        (Edit(honest, "\"amountMills\":1000", "\"amountMills\":\"1000\""), "request.transaction.amountMills"),
        (Edit(honest, "\"amountMills\":1000", "\"amountMills\":1000.0"), "request.transaction.amountMills"),
        (Edit(honest, "\"ascendingMills\":0,", "\"ascendingMills\":\"0\","), "request.ascendingMills"),
        (Edit(honest, "\"paymentReference\":\"pay-strict\"", "\"paymentReference\":42"), "request.transaction.paymentReference"),
        (Edit(honest, "\"version\":1", "\"version\":true"), "request.version"),
        (Edit(honest, "\"amountMills\":1000", "\"amountMills\":1000,\"amountMills\":1000"), "request.transaction.amountMills"),
        (Edit(honest, "\"amountMills\":1000", "\"amountMills\":1000,\"amountMills\":900000"), "request.transaction.amountMills"),
        (Edit(honest, "\"kind\":\"pvd\"", "\"kind\":\"pvd\",\"kind\":\"pvd\""), "request.transaction.kind"),
        (Edit(honest, "\"amountMills\":1000", "\"amountMills\":1000,\"amountmills\":1000"), "request.transaction.amountmills"),
        (Edit(honest, "\"amountMills\":1000", "\"AmountMills\":1000"), "request.transaction.AmountMills"),
    ];

    [Fact]
    public async Task A_signed_PVD_spelt_any_other_way_is_refused_naming_the_member_and_changes_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        var key = VbiClient.NewIdempotencyKey();
        var funds = $"/v1/meters/{c.MeterId}/funds";
        var honest = Body(Sign(c, TransactionBody.PostageValueDownload(1_000, "pay-strict"), key));

        foreach (var (body, field) in Misspelt(honest)) AssertMalformed(await host.PostAsync(funds, body, c.Token, key), field);
        Assert.Equal(before, await host.EvidenceAsync(c));

        // The refusals consumed neither the challenge nor the key: the honest body executes, once.
        var ok = await host.PostAsync(funds, honest, c.Token, key);
        Assert.True(ok.Status == 200, ok.Body.ToString());
        Assert.Equal(11_000, ok.Body.GetProperty("meter").GetProperty("descendingMills").GetInt64());
    }

    [Fact]
    public async Task A_partner_signing_a_misspelt_PVD_is_refused_the_same_way_and_changes_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var partnerId = "strict-" + Guid.NewGuid().ToString("N")[..8];
        var created = await host.Operator.CreatePartnerAsync(partnerId, "Strict shop", null);
        await c.Client.LinkPartnerAsync(partnerId);
        var secret = Convert.FromBase64String(created.Secret.Replace('-', '+').Replace('_', '/').PadRight((created.Secret.Length + 3) / 4 * 4, '='));
        var before = await host.EvidenceAsync(c);
        var key = VbiClient.NewIdempotencyKey();
        var funds = $"/v1/meters/{c.MeterId}/funds";
        var honest = Body(Sign(c, TransactionBody.PostageValueDownload(1_000, "pay-strict"), key));

        // The partner's signature covers exactly the bytes sent, so each of these is authentic as a partner request.
        foreach (var (body, field) in Misspelt(honest).Take(7)) AssertMalformed(await PartnerPostAsync(funds, body, partnerId, secret, c.CustomerId, key), field);
        Assert.Equal(before, await host.EvidenceAsync(c));

        var ok = await PartnerPostAsync(funds, honest, partnerId, secret, c.CustomerId, key);
        Assert.True(ok.Status == 200, ok.Body.ToString());
        Assert.Equal(11_000, ok.Body.GetProperty("meter").GetProperty("descendingMills").GetInt64());
    }

    [Fact]
    public async Task Bodies_bound_by_the_framework_and_read_by_the_API_are_strict_too()
    {
        // POST /v1/indicia/verify binds its body (minimal APIs); a flag as a string and a duplicated member are refused by name.
        AssertMalformed(await host.PostAsync("/v1/indicia/verify", "{\"indicium\":\"AAAA\",\"online\":\"false\"}", null), "online");
        AssertMalformed(await host.PostAsync("/v1/indicia/verify", "{\"indicium\":\"AAAA\",\"indicium\":\"AAAA\"}", null), "indicium");
        AssertMalformed(await host.PostAsync("/v1/indicia/verify", "{\"indicium\":\"AAAA\",\"offline\":true}", null), "offline");
        // Sign-up reads its body itself (ApiBody): an unknown member and a wrong type, by name; no account is made.
        var email = CustomerHostFixture.NewEmail();
        AssertMalformed(await host.PostAsync("/v1/customers", $"{{\"email\":\"{email}\",\"password\":\"long enough pass\",\"admin\":true}}", null), "admin");
        AssertMalformed(await host.PostAsync("/v1/customers", $"{{\"email\":\"{email}\",\"password\":12345678901234}}", null), "password");
        var created = await host.PostAsync("/v1/customers", $"{{\"email\":\"{email}\",\"password\":\"long enough pass\"}}", null);
        Assert.True(created.Status == 201, created.Body.ToString());
    }

    private async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> PartnerPostAsync(string path, string json, string partnerId, byte[] secret,
        string onBehalfOf, string idempotencyKey)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var authorization = PartnerRequestSignature.CreateAuthorization(partnerId, secret, "POST", path, body,
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), PartnerRequestSignature.NewNonce());
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        request.Headers.Add("Vbi-On-Behalf-Of", onBehalfOf);
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response);
    }
}
