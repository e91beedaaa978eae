using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// A print that carries its shipment, on the customer's path (the SDK signs it, real HTTP, a real Cluster-profile host)
/// and a partner's: the addresses are matched first, the postage is the quoted rate, the response and the label carry
/// an IMpb tracking number, and the history (derived from the log) shows the shipment with the same number. Postage
/// below the rate, a recipient that does not match, a ZIP that is not the recipient's, a class that does not take the
/// piece and an impossible weight are each a 4xx with a stable code and move no money; an edited shipment fails the MAC.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class ShipmentPrintTests(CustomerHostFixture host)
{
    private const string Sender = "Acme Shop, 350 5th Ave, New York NY 10001";
    private const string Recipient = "Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102";

    private static async Task<ShipmentAddress> MatchAsync(VbiClient client, string line) =>
        ShipmentAddress.FromCandidate((await client.MatchAddressAsync(line)).Candidates[0].Address);

    private static async Task<long> RateAsync(VbiClient client, string weightOz, string mailClass) =>
        (await client.GetRatesAsync(new RateRequest("10001", "94102", weightOz, MailClass: mailClass))).Quotes[0].PostageMills;

    [Fact]
    public async Task A_signed_print_with_its_shipment_answers_a_tracking_number_the_label_and_the_history_carry()
    {
        using var c = await host.NewCustomerAsync(fundMills: 200_000);
        var shipment = new Shipment(await MatchAsync(c.Client, Sender), await MatchAsync(c.Client, Recipient), 160, [1000, 800, 400]);
        var rate = await RateAsync(c.Client, "16", "PRIORITY");
        var before = await c.Client.GetMeterAsync(c.MeterId);

        var print = await c.Session.PrintAsync(new PrintOrder(rate, "94102", "PRIORITY") { Shipment = shipment }, new LabelOptions("zpl"));

        Assert.Equal(rate, print.AmountMills);
        Assert.Equal(before.DescendingMills - rate, print.Meter.DescendingMills);
        Assert.True(TrackingNumber.TryParse(print.TrackingNumber, out var number), $"'{print.TrackingNumber}' is not a tracking number with its check digit");
        // 94 (PC postage), 055 (Priority Mail), the local mailer id, the meter's number and the sequence.
        Assert.StartsWith("94055900000", number!.Digits);
        Assert.EndsWith(print.Sequence.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), number.Digits[..^1]);
        var zpl = Encoding.ASCII.GetString(print.Label!.Bytes());
        Assert.Contains(number.Grouped, zpl);
        Assert.Contains("JANE ROE", zpl);
        Assert.Contains("USPS PRIORITY MAIL", zpl);

        // The history is derived from the log record, not from the request: it computes the same tracking number.
        await OperatorHttp.WaitForLogFeedAsync(host.BaseAddress);
        var entry = (await c.Client.GetHistoryAsync(c.MeterId)).Entries.Single(e => e.Sequence == print.Sequence);
        Assert.Equal(("PRIORITY", "94102"), (entry.MailClass, entry.DestinationZip));
        var shown = entry.Shipment!;
        Assert.Equal((number.Digits, 160, "16", "10001"), (shown.TrackingNumber, shown.WeightTenthsOz, shown.WeightOz, shown.FromZip));
        Assert.Equal(("JANE ROE", "SAN FRANCISCO", "CA", "94102", "10x8x4"), (shown.RecipientName, shown.RecipientCity, shown.RecipientState, shown.RecipientZip, shown.Dims));

        // The label rendered again from the history carries it too, byte for byte the same label.
        var again = await c.Client.GetLabelAsync(c.MeterId, print.IndiciumId!, new LabelOptions("zpl"));
        Assert.Equal(print.Label.Data, again.Data);
        // Every layout and resolution takes the addressed label (a print whose label failed would have charged for nothing).
        foreach (var (layout, dpi) in new[] { ("envelope-10", 203), ("envelope-10", 300), ("label-4x6", 203) })
        {
            var svg = Encoding.UTF8.GetString((await c.Client.GetLabelAsync(c.MeterId, print.IndiciumId!, new LabelOptions("svg", layout, null, dpi))).Bytes());
            Assert.Contains("JANE ROE", svg, StringComparison.Ordinal);
        }

        // A letter with only its destination ZIP still prints, with no tracking number.
        var letter = await c.Session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS"));
        Assert.Null(letter.TrackingNumber);

        // A retried request is answered again byte for byte: the same tracking number, the same label.
        var signed = Sign(c, TransactionBody.Print(rate, "94102", "PRIORITY", shipment: ShipmentUnits.ToBody(shipment)), "r-" + Guid.NewGuid().ToString("N"));
        var body = JsonSerializer.Serialize(new { request = signed, label = new { format = "png", dpi = 203 } }, VbiJson.Options);
        var (firstStatus, first, _) = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, signed.IdempotencyKey);
        var (againStatus, replayed, replay) = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, signed.IdempotencyKey);
        Assert.True(firstStatus == 200 && againStatus == 200, $"{firstStatus} {againStatus}: {first}");
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(first.GetRawText(), replayed.GetRawText());
        Assert.True(TrackingNumber.TryParse(first.GetProperty("trackingNumber").GetString(), out var retried));
        Assert.NotEqual(number.Digits, retried!.Digits); // another print, another number
    }

    [Fact]
    public async Task Postage_above_the_rate_is_signed_as_asked_and_below_it_is_refused_charging_nothing()
    {
        using var c = await host.NewCustomerAsync(fundMills: 200_000);
        var shipment = new Shipment(await MatchAsync(c.Client, Sender), await MatchAsync(c.Client, Recipient), 40, Signature: true);
        var rate = await RateAsync(c.Client, "4", "GROUND-ADVANTAGE") + await SignatureFeeAsync(c.Client);
        var evidence = await host.EvidenceAsync(c);

        var below = await Assert.ThrowsAsync<VbiApiException>(() =>
            c.Session.PrintAsync(new PrintOrder(rate - 1, "94102", "GROUND-ADVANTAGE") { Shipment = shipment }));
        Assert.Equal((422, VbiErrorCodes.PostageBelowRate), (below.Status, below.Code));
        Assert.Equal(evidence, await host.EvidenceAsync(c));

        var above = await c.Session.PrintAsync(new PrintOrder(rate + 100, "94102", "GROUND-ADVANTAGE") { Shipment = shipment });
        Assert.Equal(rate + 100, above.AmountMills);
        Assert.True(TrackingNumber.TryParse(above.TrackingNumber, out var number));
        Assert.StartsWith("94613", number!.Digits); // Ground Advantage with Signature Confirmation
    }

    private static async Task<long> SignatureFeeAsync(VbiClient client)
    {
        var quote = (await client.GetRatesAsync(new RateRequest("10001", "94102", "4", MailClass: "GROUND-ADVANTAGE", Services: ["signature"]))).Quotes[0];
        return quote.Breakdown.Services.Single().Mills;
    }

    [Fact]
    public async Task A_shipment_that_does_not_hold_is_a_4xx_with_a_stable_code_and_moves_no_money()
    {
        using var c = await host.NewCustomerAsync(fundMills: 200_000);
        var from = await MatchAsync(c.Client, Sender);
        var to = await MatchAsync(c.Client, Recipient);
        var rate = await RateAsync(c.Client, "16", "PRIORITY");
        var evidence = await host.EvidenceAsync(c);

        async Task Refused(PrintOrder order, int status, string code)
        {
            var e = await Assert.ThrowsAsync<VbiApiException>(() => c.Session.PrintAsync(order));
            Assert.True((status, code) == (e.Status, e.Code), $"expected {status} {code}, got {e.Status} {e.Code}: {e.Message}");
        }

        // A recipient whose city is not its ZIP's: the matcher offers a correction, so it is not an address to ship to.
        await Refused(new PrintOrder(rate, "94102", "PRIORITY") { Shipment = new Shipment(from, to with { City = "OAKLAND" }, 160) },
            422, VbiErrorCodes.AddressNotMatched);
        await Refused(new PrintOrder(rate, "00000", "PRIORITY") { Shipment = new Shipment(from, to with { City = "QQQQQ", Zip5 = "00000" }, 160) },
            422, VbiErrorCodes.AddressNotMatched);
        await Refused(new PrintOrder(rate, "94103", "PRIORITY") { Shipment = new Shipment(from, to, 160) }, 422, VbiErrorCodes.ShipmentZipMismatch);
        // 20 lb is more than First-Class Mail takes.
        await Refused(new PrintOrder(900_000, "94102", "FIRST-CLASS") { Shipment = new Shipment(from, to, 3200) }, 422, VbiErrorCodes.ClassDoesNotTakeShipment);

        // A validly signed request whose weight is then made impossible: refused by the codec, before the MAC is checked.
        var signed = Sign(c, TransactionBody.Print(rate, "94102", "PRIORITY", shipment: ShipmentUnits.ToBody(new Shipment(from, to, 160))), "w-" + Guid.NewGuid().ToString("N"));
        var honest = JsonSerializer.Serialize(new { request = signed, label = (object?)null }, VbiJson.Options);
        foreach (var (edit, code) in new[] { ("\"weightTenthsOz\":0", "InvalidWeight"), ("\"weightTenthsOz\":11201", "InvalidWeight") })
        {
            var body = Edit(honest, "\"weightTenthsOz\":160", edit);
            var (status, problem, _) = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, signed.IdempotencyKey);
            Assert.True(status == 400 && problem.GetProperty("code").GetString() == code, $"{edit}: {status} {problem}");
        }
        Assert.Equal(evidence, await host.EvidenceAsync(c));

        // The shipment is under the client's MAC: another recipient name, however valid, does not verify.
        var renamed = Edit(honest, "\"name\":\"JANE ROE\"", "\"name\":\"JOHN ROE\"");
        var (macStatus, macProblem, _) = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", renamed, c.Token, signed.IdempotencyKey);
        Assert.True(macStatus == 401 && macProblem.GetProperty("code").GetString() == VbiErrorCodes.RequestMacInvalid, $"{macStatus} {macProblem}");
        var after = await c.Client.GetMeterAsync(c.MeterId);
        Assert.Equal(200_000, after.DescendingMills);
    }

    [Fact]
    public async Task A_partner_prints_a_shipment_for_a_linked_customer()
    {
        await using var receiver = await WebhookReceiver.StartAsync(failFirst: 0);
        var partnerId = "ship-" + Guid.NewGuid().ToString("N")[..8];
        var created = await host.Operator.CreatePartnerAsync(partnerId, "Parcel shop", receiver.Url.ToString());
        using var anonymous = host.Client();
        var account = await anonymous.SignUpAsync(CustomerHostFixture.NewEmail(), CustomerHostFixture.Password);
        using var customer = host.Client(account.Token);
        await customer.LinkPartnerAsync(partnerId);
        using var shop = host.Client(partner: new PartnerCredentials(partnerId, created.Secret) { OnBehalfOf = account.Customer.CustomerId });
        var meter = await shop.LicenseMeterAsync("10001");
        var hmk = await shop.RegisterMeterAsync(meter.MeterId, CustomerHostFixture.Password, Convert.FromBase64String((await shop.GetModuleIdentityAsync()).PublicKey));
        using var session = await shop.OpenMeterSessionAsync(meter.MeterId, hmk, CustomerHostFixture.Password);
        await session.FundAsync(50_000, "ship-order-1");
        var shipment = new Shipment(await MatchAsync(shop, Sender), await MatchAsync(shop, Recipient), 80);
        var rate = await RateAsync(shop, "8", "MEDIA");

        var below = await Assert.ThrowsAsync<VbiApiException>(() => session.PrintAsync(new PrintOrder(rate - 10, "94102", "MEDIA") { Shipment = shipment }));
        Assert.Equal((422, VbiErrorCodes.PostageBelowRate), (below.Status, below.Code));
        Assert.Equal(50_000, (await shop.GetMeterAsync(meter.MeterId)).DescendingMills);

        var print = await session.PrintAsync(new PrintOrder(rate, "94102", "MEDIA") { Shipment = shipment }, new LabelOptions("zpl"));
        Assert.True(TrackingNumber.TryParse(print.TrackingNumber, out var number));
        Assert.StartsWith("94710", number!.Digits);
        Assert.Contains(number.Grouped, Encoding.ASCII.GetString(print.Label!.Bytes()));
        await OperatorHttp.WaitForLogFeedAsync(host.BaseAddress);
        var entry = (await customer.GetHistoryAsync(meter.MeterId)).Entries.Single(e => e.Sequence == print.Sequence);
        Assert.Equal((number.Digits, "partner:" + partnerId), (entry.Shipment?.TrackingNumber, entry.InitiatedBy));

        // The partner's print.completed event, derived from the log too, names the same tracking number.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        WebhookReceiver.Delivery? printed;
        while ((printed = receiver.Deliveries.FirstOrDefault(d => d.EventType == "print.completed")) is null && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.NotNull(printed);
        var data = JsonDocument.Parse(printed.Body).RootElement.GetProperty("data");
        Assert.Equal((print.Sequence, number.Digits), (data.GetProperty("sequence").GetInt64(), data.GetProperty("trackingNumber").GetString()));
    }

    private static SignedRequestJson Sign(Customer c, TransactionBody transaction, string key)
    {
        var s = c.Session.State;
        using var chain = ChallengeChain.Resume(c.MeterId, c.Hmk, new ChainState(s.SessionId.Span, s.Challenge.Span, s.AscendingMills, s.DescendingMills));
        return chain.Sign(transaction, key).ToJson();
    }

    private static string Edit(string body, string from, string to)
    {
        var edited = body.Replace(from, to, StringComparison.Ordinal);
        Assert.NotEqual(body, edited);
        return edited;
    }
}
