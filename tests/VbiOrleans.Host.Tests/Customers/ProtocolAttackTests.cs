using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// Every bad request of issue 5, item 6, over real HTTP against a Cluster-profile host: each gets its documented 4xx and
/// stable code, and changes nothing: the meter's audit (registers, sequence, postal checkpoint, module memory) and the
/// customer's history are compared before and after.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class ProtocolAttackTests(CustomerHostFixture host)
{
    private static SignedRequestJson Sign(Customer c, TransactionBody transaction, string key, long? ascending = null, long? descending = null)
    {
        var s = c.Session.State;
        using var chain = ChallengeChain.Resume(c.MeterId, c.Hmk,
            new ChainState(s.SessionId.Span, s.Challenge.Span, ascending ?? s.AscendingMills, descending ?? s.DescendingMills));
        return chain.Sign(transaction, key).ToJson();
    }

    private static string Body(SignedRequestJson request, object? label = null) => JsonSerializer.Serialize(new { request, label }, VbiJson.Options);

    private static string Key() => VbiClient.NewIdempotencyKey();

    private static void AssertProblem((int Status, JsonElement Body, HttpResponseMessage Response) response, int status, string code)
    {
        Assert.True(response.Status == status && response.Body.GetProperty("code").GetString() == code,
            $"expected {status} {code}, got {response.Status}: {response.Body}");
        Assert.Equal("application/problem+json", response.Response.Content.Headers.ContentType?.MediaType);
    }

    private static async Task<VbiApiException> Refused(Func<Task> call, int status, string code)
    {
        var e = await Assert.ThrowsAsync<VbiApiException>(call);
        Assert.True(e.Status == status && e.Code == code, $"expected {status} {code}, got {e.Status} {e.Code}: {e.Detail}");
        return e;
    }

    [Fact]
    public async Task A_wrong_password_is_refused_ends_the_open_session_and_changes_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);

        await Refused(() => c.Client.OpenMeterSessionAsync(c.MeterId, c.Hmk, "not the password at all"), 401, VbiErrorCodes.WrongPassword);
        // The seed: a failed password terminates the session. The session opened before is gone.
        await Refused(() => c.Session.FundAsync(1_000, "pay-1"), 401, VbiErrorCodes.SessionUnknown);
        Assert.Equal(before, await host.EvidenceAsync(c));

        using var again = await c.Client.OpenMeterSessionAsync(c.MeterId, c.Hmk, c.Password);
        var funded = await again.FundAsync(1_000, "pay-2");
        Assert.Equal(11_000, funded.Meter.DescendingMills);
    }

    [Fact]
    public async Task A_replayed_request_gets_the_first_answer_and_never_executes_twice()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var key = Key();
        var body = Body(Sign(c, TransactionBody.Print(500, "94103", "FIRST-CLASS"), key), new { format = "svg" });
        var first = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        Assert.True(first.Status == 200, first.Body.ToString());
        Assert.False(first.Response.Headers.Contains("Idempotent-Replayed"));
        var afterFirst = await host.EvidenceAsync(c);

        // The very same bytes again (a retry, or someone replaying them): the module's session answers from its last
        // exchanges, the same answer byte for byte; nothing executes, charged once.
        var replay = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        Assert.Equal(200, replay.Status);
        Assert.Equal(first.Body.GetRawText(), replay.Body.GetRawText());
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));

        // Another transaction signed on the consumed challenge, with another key or the same one: a replay of the
        // challenge, refused before the meter (nothing signed, the chain does not move).
        var otherKey = Key();
        var stale = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(Sign(c, TransactionBody.Print(600, "94103", "FIRST-CLASS"), otherKey)), c.Token, otherKey);
        AssertProblem(stale, 409, "ChallengeReplayed");
        var sameKey = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(Sign(c, TransactionBody.Print(700, "94103", "FIRST-CLASS"), key)), c.Token, key);
        AssertProblem(sameKey, 409, "ChallengeReplayed");
        Assert.False(sameKey.Body.TryGetProperty("signedResponse", out _));
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));
    }

    [Fact]
    public async Task The_same_key_with_another_transaction_on_the_next_challenge_is_the_meters_signed_IdempotencyKeyReused_and_changes_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var key = Key();
        var printed = await c.Session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS"), new LabelOptions("svg"), key);
        var afterFirst = await host.EvidenceAsync(c);

        // Signed on the current challenge, so the module verifies it and the meter judges the key: it knows the key
        // with another command's fingerprint and refuses, and the module signs that refusal (the challenge is consumed).
        var e = await Refused(() => c.Session.PrintAsync(new PrintOrder(700, "94103", "FIRST-CLASS"), new LabelOptions("svg"), key), 422,
            VbiErrorCodes.IdempotencyKeyReused);
        Assert.Equal(9_500, e.Extensions["meter"].GetProperty("descendingMills").GetInt64());
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));
        var fund = await Refused(() => c.Session.FundAsync(1_000, "pay-reused", key), 422, VbiErrorCodes.IdempotencyKeyReused);
        Assert.True(fund.Extensions.ContainsKey("signedResponse"));
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));

        // The SDK applied both signed refusals: its chain agrees with the module, and the same print under its own key
        // is still the first print, charged once.
        var again = await c.Session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS"), new LabelOptions("zpl"), key);
        Assert.Equal((printed.IndiciumId, printed.Sequence, printed.Indicium), (again.IndiciumId, again.Sequence, again.Indicium));
        Assert.Equal("zpl", again.Label!.Format);
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));
        var next = await c.Session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS"));
        Assert.Equal(9_000, next.Meter.DescendingMills);
    }

    [Fact]
    public async Task The_same_key_re_signed_after_a_new_login_is_answered_with_the_first_result_and_charged_once()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var key = Key();
        var order = new PrintOrder(500, "94103", "FIRST-CLASS");
        // The answer is lost: the request reached the module, which executed it, but the client never applied it.
        var lost = Sign(c, TransactionBody.Print(500, "94103", "FIRST-CLASS"), key);
        var first = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(lost, new { format = "svg" }), c.Token, key);
        Assert.True(first.Status == 200, first.Body.ToString());
        var afterFirst = await host.EvidenceAsync(c);

        // The client starts again: a new login (the registers in its answer include the lost print) and the same
        // transaction with the same key, signed on the new challenge. The meter answers from its key ledger and log.
        using var session = await c.Client.OpenMeterSessionAsync(c.MeterId, c.Hmk, c.Password);
        Assert.Equal((500, 9_500), (session.AscendingMills, session.DescendingMills));
        var again = await session.PrintAsync(order, new LabelOptions("svg"), key);
        Assert.Equal(first.Body.GetProperty("indiciumId").GetString(), again.IndiciumId);
        Assert.Equal(first.Body.GetProperty("indicium").GetString(), again.Indicium);
        Assert.Equal(first.Body.GetProperty("sequence").GetInt64(), again.Sequence);
        Assert.Equal(first.Body.GetProperty("label").GetProperty("data").GetString(), again.Label!.Data);
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));

        // The old session's request is refused now (its session was replaced), and changes nothing.
        var old = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(lost, new { format = "svg" }), c.Token, key);
        AssertProblem(old, 401, "SessionUnknown");
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));
        Assert.Equal(9_000, (await session.PrintAsync(order)).Meter.DescendingMills);
    }

    [Fact]
    public async Task A_replay_older_than_the_exchanges_the_session_keeps_is_refused_and_changes_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var key = Key();
        var body = Body(Sign(c, TransactionBody.Print(500, "94103", "FIRST-CLASS"), key), new { format = "svg" });
        var first = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        Assert.True(first.Status == 200, first.Body.ToString());
        // Within the last exchanges it is a retry; the module session keeps four (SessionOptions.RetainedExchanges).
        await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        using var session = ResumeAfter(c, first.Body);
        for (var i = 0; i < 4; i++) await session.PrintAsync(new PrintOrder(100, "94103", "FIRST-CLASS"));
        var before = await host.EvidenceAsync(c);

        // Four exchanges later the module no longer knows the challenge: refused unsigned, nothing executes.
        var late = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        AssertProblem(late, 409, "ChallengeUnknown");
        Assert.False(late.Response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(before, await host.EvidenceAsync(c));

        // The client re-signs on its current challenge with the same key: the meter answers with the first result.
        var again = await session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS"), new LabelOptions("svg"), key);
        Assert.Equal(first.Body.GetProperty("indiciumId").GetString(), again.IndiciumId);
        Assert.Equal(first.Body.GetProperty("sequence").GetInt64(), again.Sequence);
        Assert.Equal(before, await host.EvidenceAsync(c));
    }

    [Fact]
    public async Task An_exact_replay_with_other_label_options_is_the_same_print_with_the_label_it_asks_for()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var key = Key();
        var signed = Sign(c, TransactionBody.Print(500, "94103", "FIRST-CLASS"), key);
        var first = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(signed, new { format = "svg" }), c.Token, key);
        Assert.True(first.Status == 200, first.Body.ToString());
        var afterFirst = await host.EvidenceAsync(c);

        // Label options are not money: the same signed request asking for ZPL is the same transaction, labelled in ZPL.
        var zpl = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(signed, new { format = "zpl" }), c.Token, key);
        Assert.True(zpl.Status == 200, zpl.Body.ToString());
        Assert.Equal("true", zpl.Response.Headers.GetValues("Idempotent-Replayed").Single());
        foreach (var member in new[] { "indiciumId", "indicium", "sequence", "amountMills", "meter", "signedResponse" })
            Assert.Equal(first.Body.GetProperty(member).GetRawText(), zpl.Body.GetProperty(member).GetRawText());
        Assert.Equal(("svg", "zpl"), (first.Body.GetProperty("label").GetProperty("format").GetString(), zpl.Body.GetProperty("label").GetProperty("format").GetString()));
        Assert.StartsWith("^XA", System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(zpl.Body.GetProperty("label").GetProperty("data").GetString()!)),
            StringComparison.Ordinal);
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));
    }

    [Fact]
    public async Task An_exact_replay_of_a_refund_is_the_same_response_and_refunds_once()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var printed = await c.Session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"));
        var key = Key();
        var body = Body(Sign(c, TransactionBody.Refund(printed.IndiciumId!), key));
        var first = await host.PostAsync($"/v1/meters/{c.MeterId}/refunds", body, c.Token, key);
        Assert.True(first.Status == 200, first.Body.ToString());
        Assert.Equal((780, 10_000), (first.Body.GetProperty("amountMills").GetInt64(), first.Body.GetProperty("meter").GetProperty("descendingMills").GetInt64()));
        var afterFirst = await host.EvidenceAsync(c);

        // The refund's request names no amount; the replay, answered from the session's exchanges, shows the same one.
        var replay = await host.PostAsync($"/v1/meters/{c.MeterId}/refunds", body, c.Token, key);
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Body.GetRawText(), replay.Body.GetRawText());
        Assert.Equal(afterFirst, await host.EvidenceAsync(c));
    }

    /// <summary>A chain on the state a raw request's verified answer leaves (what the SDK does when it applies one).</summary>
    private static MeterSession ResumeAfter(Customer c, JsonElement answer)
    {
        var s = c.Session.State;
        var signed = answer.GetProperty("signedResponse");
        var state = new ChainState(s.SessionId.Span, Convert.FromBase64String(signed.GetProperty("nextChallenge").GetString()!),
            signed.GetProperty("ascendingMills").GetInt64(), signed.GetProperty("descendingMills").GetInt64());
        return c.Client.ResumeMeterSession(c.MeterId, c.Hmk, state);
    }

    [Fact]
    public async Task A_tampered_HMAC_is_refused_before_the_meter_and_the_challenge_stays_usable()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        var key = Key();
        var genuine = Sign(c, TransactionBody.PostageValueDownload(1_000, "pay-genuine"), key);

        var mac = Convert.FromBase64String(genuine.Mac!);
        mac[7] ^= 0x01;
        var flipped = await host.PostAsync($"/v1/meters/{c.MeterId}/funds", Body(genuine with { Mac = Convert.ToBase64String(mac) }), c.Token, key);
        AssertProblem(flipped, 401, "RequestMacInvalid");
        var raised = await host.PostAsync($"/v1/meters/{c.MeterId}/funds",
            Body(genuine with { Transaction = genuine.Transaction! with { AmountMills = 900_000 } }), c.Token, key);
        AssertProblem(raised, 401, "RequestMacInvalid");
        var registers = await host.PostAsync($"/v1/meters/{c.MeterId}/funds", Body(genuine with { DescendingMills = 0 }), c.Token, key);
        AssertProblem(registers, 401, "RequestMacInvalid");
        Assert.Equal(before, await host.EvidenceAsync(c));

        // Nothing was consumed: the genuine request on the same challenge and key still executes, once.
        var ok = await host.PostAsync($"/v1/meters/{c.MeterId}/funds", Body(genuine), c.Token, key);
        Assert.True(ok.Status == 200, ok.Body.ToString());
        Assert.Equal(11_000, ok.Body.GetProperty("meter").GetProperty("descendingMills").GetInt64());
    }

    [Fact]
    public async Task Stale_registers_are_refused_with_the_modules_signed_registers_and_the_client_resynchronizes()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        var s = c.Session.State;
        using var chain = ChallengeChain.Resume(c.MeterId, c.Hmk, new ChainState(s.SessionId.Span, s.Challenge.Span, 0, 25_000));
        var key = Key();
        var request = chain.Sign(TransactionBody.Print(500, "94103", "FIRST-CLASS"), key);
        var refused = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(request.ToJson()), c.Token, key);
        AssertProblem(refused, 422, "RegistersMismatch");
        Assert.Equal(before, await host.EvidenceAsync(c));

        // The refusal is signed by the module with its registers and the next challenge: the client takes both.
        var signed = SignedResponse.FromJson(refused.Body.GetProperty("signedResponse").Deserialize<SignedResponseJson>(VbiJson.Options)).Value!;
        Assert.Equal(ResponseVerdict.Ok, chain.Apply(request, signed, []));
        Assert.Equal(10_000, chain.State.DescendingMills);
        Assert.Equal((int)Domain.Errors.ErrorCode.RegistersMismatch, signed.Outcome);
        var retryKey = Key();
        var retried = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(chain.Sign(TransactionBody.Print(500, "94103", "FIRST-CLASS"), retryKey).ToJson()),
            c.Token, retryKey);
        Assert.True(retried.Status == 200, retried.Body.ToString());
        Assert.Equal(9_500, retried.Body.GetProperty("meter").GetProperty("descendingMills").GetInt64());
    }

    [Fact]
    public async Task Another_customers_meter_is_not_found_and_untouched()
    {
        using var a = await host.NewCustomerAsync(10_000);
        using var b = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(a);

        await Refused(() => b.Client.GetMeterAsync(a.MeterId), 404, VbiErrorCodes.MeterNotFound);
        await Refused(() => b.Client.GetHistoryAsync(a.MeterId), 404, VbiErrorCodes.MeterNotFound);
        await Refused(() => b.Client.GetLabelAsync(a.MeterId, a.MeterId + "-3"), 404, VbiErrorCodes.MeterNotFound);
        await Refused(() => b.Client.OpenMeterSessionAsync(a.MeterId, b.Hmk, b.Password), 404, VbiErrorCodes.MeterNotFound);
        // Even a request signed with the victim's own chain (stolen) needs the victim's token to reach the meter.
        var key = Key();
        var fund = await host.PostAsync($"/v1/meters/{a.MeterId}/funds", Body(Sign(a, TransactionBody.PostageValueDownload(1_000, "p"), key)), b.Token, key);
        AssertProblem(fund, 404, "MeterNotFound");
        var print = await host.PostAsync($"/v1/meters/{a.MeterId}/prints", Body(Sign(a, TransactionBody.Print(500, "94103", "FIRST-CLASS"), key)), b.Token, key);
        AssertProblem(print, 404, "MeterNotFound");
        Assert.DoesNotContain(a.MeterId, (await b.Client.ListMetersAsync()).Select(m => m.MeterId));
        Assert.Equal(before, await host.EvidenceAsync(a));
    }

    [Fact]
    public async Task Negative_zero_and_huge_amounts_are_refused_and_change_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        var key = Key();
        var genuine = Sign(c, TransactionBody.PostageValueDownload(1_000, "pay"), key);
        foreach (var amount in new[] { -5_000L, 0L, long.MinValue })
        {
            var r = await host.PostAsync($"/v1/meters/{c.MeterId}/funds", Body(genuine with { Transaction = genuine.Transaction! with { AmountMills = amount } }), c.Token, key);
            AssertProblem(r, 400, "InvalidAmount");
        }
        var print = Sign(c, TransactionBody.Print(500, "94103", "FIRST-CLASS"), key);
        var negativePostage = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", Body(print with { Transaction = print.Transaction! with { AmountMills = -1 } }), c.Token, key);
        AssertProblem(negativePostage, 400, "InvalidAmount");
        var overflow = await host.PostAsync($"/v1/meters/{c.MeterId}/funds",
            Body(genuine).Replace("\"amountMills\":1000", "\"amountMills\":99999999999999999999999", StringComparison.Ordinal), c.Token, key);
        AssertProblem(overflow, 400, "MalformedRequest");
        Assert.Equal(before, await host.EvidenceAsync(c));

        // Huge but well-formed: signed by the client, refused by the module's limits (a signed refusal; nothing moves).
        await Refused(() => c.Session.FundAsync(1_000_000_000_000, "pay-huge"), 422, "PvdLimitExceeded");
        await Refused(() => c.Session.PrintAsync(new PrintOrder(5_000_000, "94103", "FIRST-CLASS")), 422, "PostageLimitExceeded");
        await Refused(() => c.Session.PrintAsync(new PrintOrder(20_000, "94103", "PRIORITY")), 422, "InsufficientFunds");
        Assert.Equal(before, await host.EvidenceAsync(c));

        // The client's chain moved with each signed refusal and still agrees with the module.
        var ok = await c.Session.FundAsync(1_000, "pay-after");
        Assert.Equal(11_000, ok.Meter.DescendingMills);
    }

    [Fact]
    public async Task Malformed_ZIPs_mail_classes_and_kinds_are_refused_before_any_money_moves()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        foreach (var zip in new[] { "ABCDE", "1234", "941031", "94103-12", "9410312345", "" })
        {
            var e = await Assert.ThrowsAnyAsync<Exception>(() => c.Session.PrintAsync(new PrintOrder(500, zip, "FIRST-CLASS")));
            if (e is VbiApiException api) Assert.True(api.Status == 400 && api.Code == VbiErrorCodes.InvalidZip, $"{zip}: {api.Status} {api.Code}");
            else Assert.IsType<ArgumentException>(e); // the SDK refuses to sign an empty ZIP
        }
        await Refused(() => c.Session.PrintAsync(new PrintOrder(500, "94103", "AIRMAIL")), 400, VbiErrorCodes.ValidationFailed);
        await Refused(() => c.Session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS", "banana")), 400, VbiErrorCodes.ValidationFailed);
        await Refused(() => c.Session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS"), new LabelOptions("gif")), 400, VbiErrorCodes.ValidationFailed);
        await Refused(() => c.Client.LicenseMeterAsync("1000"), 400, VbiErrorCodes.InvalidZip);
        await Refused(() => c.Client.LicenseMeterAsync("ABCDE"), 400, VbiErrorCodes.InvalidZip);
        Assert.Equal(before, await host.EvidenceAsync(c));

        // None of them consumed the challenge: the same session prints next.
        var printed = await c.Session.PrintAsync(new PrintOrder(500, "94103-1234", "FIRST-CLASS"));
        Assert.Equal(9_500, printed.Meter.DescendingMills);
    }

    [Fact]
    public async Task Oversized_and_malformed_bodies_and_missing_keys_are_refused_and_change_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        var key = Key();
        var funds = $"/v1/meters/{c.MeterId}/funds";
        var genuine = Body(Sign(c, TransactionBody.PostageValueDownload(1_000, "pay"), key));

        AssertProblem(await host.PostAsync(funds, "{\"pad\":\"" + new string('x', 70_000) + "\"}", c.Token, key), 413, "RequestTooLarge");
        AssertProblem(await host.PostAsync(funds, "{\"pad\":\"" + new string('x', 2_000_000) + "\"}", c.Token, key), 413, "RequestTooLarge");
        AssertProblem(await host.PostAsync(funds, "{\"request\": {", c.Token, key), 400, "MalformedRequest");
        AssertProblem(await host.PostAsync(funds, "null", c.Token, key), 400, "MalformedRequest");
        AssertProblem(await host.PostAsync(funds, "", c.Token, key), 400, "MalformedRequest");
        AssertProblem(await host.PostAsync(funds, "{\"request\": {\"version\": 1}}", c.Token, key), 400, "MalformedRequest");
        AssertProblem(await host.PostAsync(funds, genuine.Replace("\"version\":1", "\"version\":2", StringComparison.Ordinal), c.Token, key), 400, "MalformedRequest");
        AssertProblem(await host.PostAsync(funds, genuine, c.Token, key, contentType: "text/plain"), 415, "UnsupportedMediaType");
        AssertProblem(await host.PostAsync(funds, genuine, c.Token, idempotencyKey: null), 400, "ValidationFailed");
        AssertProblem(await host.PostAsync(funds, genuine, c.Token, idempotencyKey: Key()), 400, "ValidationFailed");
        AssertProblem(await host.PostAsync($"/v1/meters/{c.MeterId}/refunds", genuine, c.Token, key), 400, "ValidationFailed");
        AssertProblem(await host.PostAsync("/v1/meters/not-a-meter/funds", genuine, c.Token, key), 400, "InvalidMeterId");
        AssertProblem(await host.PostAsync("/v1/customers", "{\"email\":\"nobody\",\"password\":\"long enough pass\"}", null), 400, "InvalidEmail");
        AssertProblem(await host.PostAsync("/v1/customers", $"{{\"email\":\"{CustomerHostFixture.NewEmail()}\",\"password\":\"short\"}}", null), 400, "PasswordRejected");
        Assert.Equal(before, await host.EvidenceAsync(c));

        var ok = await host.PostAsync(funds, genuine, c.Token, key);
        Assert.True(ok.Status == 200, ok.Body.ToString());
    }

    [Fact]
    public async Task Credentials_reach_only_their_endpoints_and_operator_requests_are_audited()
    {
        using var c = await host.NewCustomerAsync();
        using var anonymous = host.Client();
        await Refused(() => anonymous.GetMeAsync(), 401, VbiErrorCodes.Unauthenticated);
        using var forged = host.Client("vbiu_" + c.CustomerId + "_" + new string('A', 43));
        await Refused(() => forged.GetMeAsync(), 401, VbiErrorCodes.Unauthenticated);

        // A customer token on an operator endpoint is forbidden, and the attempt is in the operator audit log.
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", c.Token);
        using var denied = await http.GetAsync("/v1/operator/meters/pool");
        Assert.Equal(403, (int)denied.StatusCode);
        var audit = await host.Operator.GetOperatorAuditAsync();
        Assert.Contains(audit, e => e.Path == "/v1/operator/meters/pool" && e.Status == 403 && e.Operator == "(not an operator)");
        // Every operator request is recorded once it is answered, reads too (this one shows in the next read).
        var later = await host.Operator.GetOperatorAuditAsync();
        Assert.Contains(later, e => e.Path == "/v1/operator/audit" && e.Status == 200 && e.Operator == Fixtures.HostEnvironment.OperatorName);

        // Logging out revokes the token.
        await c.Client.LogOutAsync();
        await Refused(() => c.Client.GetMeAsync(), 401, VbiErrorCodes.Unauthenticated);

        // The host's logs never carry a customer token, a password or an HMK.
        var hmk = Convert.ToBase64String(c.Hmk);
        Assert.DoesNotContain(host.Host.Output.Concat(host.Host.Errors),
            line => line.Contains(c.Token, StringComparison.Ordinal) || line.Contains(CustomerHostFixture.Password, StringComparison.Ordinal)
                || line.Contains(hmk, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_over_its_rate_is_told_to_wait_with_429_and_Retry_After()
    {
        using var anonymous = host.Client();
        var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", account.Token);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 160).Select(async _ =>
        {
            using var response = await http.GetAsync("/v1/customers/me");
            return ((int)response.StatusCode, response.Headers.RetryAfter?.Delta, await response.Content.ReadAsStringAsync());
        }));
        var limited = statuses.Where(s => s.Item1 == 429).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, s => Assert.Contains("\"code\":\"RateLimited\"", s.Item3, StringComparison.Ordinal));
        Assert.All(limited, s => Assert.True(s.Delta >= TimeSpan.FromSeconds(1)));
        Assert.True(statuses.Count(s => s.Item1 == 200) >= 100, "the burst is served");
    }

    [Fact]
    public async Task The_passphrase_repetition_list_refuses_recent_passwords()
    {
        using var c = await host.NewCustomerAsync();
        const string second = "second passphrase 2";
        await c.Client.ChangeMeterPasswordAsync(c.MeterId, c.Hmk, c.Password, second);
        var again = await Refused(() => c.Client.ChangeMeterPasswordAsync(c.MeterId, c.Hmk, second, c.Password), 400, VbiErrorCodes.PasswordRejected);
        Assert.Equal("RecentlyUsed", again.Extensions["violation"].GetString());
        await Refused(() => c.Client.OpenMeterSessionAsync(c.MeterId, c.Hmk, c.Password), 401, VbiErrorCodes.WrongPassword);
        using var session = await c.Client.OpenMeterSessionAsync(c.MeterId, c.Hmk, second);
        Assert.Equal(0, session.DescendingMills);
    }

    [Fact]
    public async Task The_OpenAPI_document_and_the_reference_page_describe_the_API()
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var doc = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/v1/customers", "/v1/sessions", "/v1/meters", "/v1/meters/{meterId}/funds", "/v1/meters/{meterId}/prints",
                     "/v1/meters/{meterId}/refunds", "/v1/meters/{meterId}/history", "/v1/meters/{meterId}/registration", "/v1/partners/webhooks/deliveries",
                     "/v1/operator/partners" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the OpenAPI document lacks {path}");
        }
        using var page = await http.GetAsync("/reference");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/openapi/v1.json", html, StringComparison.Ordinal);
        Assert.Contains("<code>RequestMacInvalid</code>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://cdn", html, StringComparison.Ordinal);
    }
}
