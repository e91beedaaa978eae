using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using VbiOrleans.Client;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Commerce;

/// <summary>
/// A customer's payment methods over HTTP through the SDK, against a real host process whose payment provider is
/// Stripe's API as stripe-stateful-mock serves it: cards from tokens (a declined token is refused where the provider
/// refuses it, when it is attached), bank accounts with the routing number's check digit and the account number kept
/// only encrypted, the default, removal, a partner acting for the customer.
/// </summary>
[Collection(PaymentMethodsCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2+stripe-stateful-mock")]
public sealed class PaymentMethodTests(PaymentMethodsHostFixture host)
{
    private const string GoodRouting = "021000021";

    [Fact]
    public async Task Cards_are_added_from_tokens_once_per_key_and_declines_keep_nothing()
    {
        var (_, client) = await host.NewCustomerAsync();
        using var _client = client;
        Assert.Empty(await client.ListPaymentMethodsAsync());

        var key = "card-" + Guid.NewGuid();
        var visa = await client.AddCardAsync("tok_visa", key);
        Assert.StartsWith("pm_", visa.Id);
        Assert.Equal((PaymentMethod.CardKind, "Visa", "4242", true), (visa.Kind, visa.Brand, visa.Last4, visa.IsDefault));
        Assert.True(visa.ExpYear >= DateTime.UtcNow.Year);
        // A retry of the same request answers the same method; the same key for another card is refused.
        Assert.Equal(visa.Id, (await client.AddCardAsync("tok_visa", key)).Id);
        var reused = await Assert.ThrowsAsync<VbiApiException>(() => client.AddCardAsync("tok_mastercard", key));
        Assert.Equal((422, "IdempotencyKeyReused"), (reused.Status, reused.Code));

        // The mock declines these tokens when they are attached to the customer, as Stripe does for a card that fails its check.
        var declined = await Assert.ThrowsAsync<VbiApiException>(() => client.AddCardAsync("tok_chargeDeclined"));
        Assert.Equal((402, VbiErrorCodes.PaymentDeclined), (declined.Status, declined.Code));
        Assert.Equal("generic_decline", declined.Extensions["declineCode"].GetString());
        var expired = await Assert.ThrowsAsync<VbiApiException>(() => client.AddCardAsync("tok_chargeDeclinedExpiredCard"));
        Assert.Equal("expired_card", expired.Extensions["declineCode"].GetString());
        var poor = await Assert.ThrowsAsync<VbiApiException>(() => client.AddCardAsync("tok_chargeDeclinedInsufficientFunds"));
        Assert.Equal((402, VbiErrorCodes.PaymentInsufficientFunds), (poor.Status, poor.Code));
        Assert.Equal([visa.Id], (await client.ListPaymentMethodsAsync()).Select(m => m.Id));

        var mastercard = await client.AddCardAsync("tok_mastercard");
        Assert.Equal(("MasterCard", "4444", false), (mastercard.Brand, mastercard.Last4, mastercard.IsDefault));
        Assert.True((await client.SetDefaultPaymentMethodAsync(mastercard.Id)).IsDefault);
        var listed = await client.ListPaymentMethodsAsync();
        Assert.Equal([(visa.Id, false), (mastercard.Id, true)], listed.Select(m => (m.Id, m.IsDefault)));

        // Removing the default passes it to the oldest remaining method; removing again answers the same.
        await client.RemovePaymentMethodAsync(mastercard.Id);
        await client.RemovePaymentMethodAsync(mastercard.Id);
        Assert.Equal([(visa.Id, true)], (await client.ListPaymentMethodsAsync()).Select(m => (m.Id, m.IsDefault)));
        var missing = await Assert.ThrowsAsync<VbiApiException>(() => client.SetDefaultPaymentMethodAsync(mastercard.Id));
        Assert.Equal((404, VbiErrorCodes.PaymentMethodNotFound), (missing.Status, missing.Code));
        var unknown = await Assert.ThrowsAsync<VbiApiException>(() => client.RemovePaymentMethodAsync("pm_nope"));
        Assert.Equal(VbiErrorCodes.PaymentMethodNotFound, unknown.Code);
    }

    [Fact]
    public async Task A_bank_account_needs_a_valid_routing_number_and_the_authorization_and_its_number_is_never_in_clear()
    {
        var (account, client) = await host.NewCustomerAsync("Ada Lovelace");
        using var _client = client;
        var number = PaymentMethodsHostFixture.NewAccountNumber();
        var authorization = await client.GetAchAuthorizationAsync();
        Assert.Contains("debit", authorization.Text, StringComparison.Ordinal);

        async Task<string> Refused(Func<Task> add)
        {
            var e = await Assert.ThrowsAsync<VbiApiException>(add);
            Assert.Equal(400, e.Status);
            return e.Code;
        }
        Assert.Equal(VbiErrorCodes.InvalidRoutingNumber, await Refused(() => client.AddBankAccountAsync(new BankAccount("021000022", number, "Ada Lovelace"), authorization.Version)));
        Assert.Equal(VbiErrorCodes.InvalidRoutingNumber, await Refused(() => client.AddBankAccountAsync(new BankAccount("02100002", number, "Ada Lovelace"), authorization.Version)));
        Assert.Equal(VbiErrorCodes.InvalidAccountNumber, await Refused(() => client.AddBankAccountAsync(new BankAccount(GoodRouting, "12a4", "Ada Lovelace"), authorization.Version)));
        Assert.Equal(VbiErrorCodes.InvalidAccountNumber, await Refused(() => client.AddBankAccountAsync(new BankAccount(GoodRouting, "123", "Ada Lovelace"), authorization.Version)));
        Assert.Equal(VbiErrorCodes.InvalidAccountHolderName, await Refused(() => client.AddBankAccountAsync(new BankAccount(GoodRouting, number, "A\u0007da"), authorization.Version)));
        Assert.Equal(VbiErrorCodes.AchAuthorizationRequired, await Refused(() => client.AddBankAccountAsync(new BankAccount(GoodRouting, number, "Ada Lovelace"), "1999-01")));
        // Not accepted: the raw request, since the SDK always sends accepted: true.
        var (status, body) = await PostAsync(account.Token, "{\"bank\":{\"routingNumber\":\"" + GoodRouting + "\",\"accountNumber\":\"" + number
            + "\",\"holderName\":\"Ada Lovelace\",\"authorization\":{\"accepted\":false,\"textVersion\":\"" + authorization.Version + "\"}}}");
        Assert.Equal((400, "AchAuthorizationRequired"), (status, body.GetProperty("code").GetString()));
        // Strict decoding: an undocumented member is refused, not ignored.
        (status, body) = await PostAsync(account.Token, "{\"card\":{\"token\":\"tok_visa\",\"cvc\":\"123\"}}");
        Assert.Equal((400, "MalformedRequest"), (status, body.GetProperty("code").GetString()));
        (status, body) = await PostAsync(account.Token, "{\"card\":{\"token\":\"tok_visa\"},\"bank\":{}}");
        Assert.Equal((400, "ValidationFailed"), (status, body.GetProperty("code").GetString()));
        Assert.Empty(await client.ListPaymentMethodsAsync());

        var key = "bank-" + Guid.NewGuid();
        var bank = await client.AddBankAccountAsync(new BankAccount(GoodRouting, number, "Ada Lovelace", Savings: true), authorization.Version, key);
        Assert.Equal((PaymentMethod.BankAccountKind, number[^4..], "savings", "Ada Lovelace", true), (bank.Kind, bank.Last4, bank.AccountType, bank.HolderName, bank.IsDefault));
        Assert.Equal(bank.Id, (await client.AddBankAccountAsync(new BankAccount(GoodRouting, number, "Ada Lovelace", Savings: true), authorization.Version, key)).Id);
        var card = await client.AddCardAsync("tok_visa");
        Assert.Equal([bank.Id, card.Id], (await client.ListPaymentMethodsAsync()).Select(m => m.Id));

        // Only the last 4 digits leave the server.
        using (var http = new HttpClient { BaseAddress = host.BaseAddress })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", account.Token);
            var listed = await http.GetStringAsync("/v1/payment-methods");
            Assert.Contains(number[^4..], listed, StringComparison.Ordinal);
            Assert.DoesNotContain(number, listed, StringComparison.Ordinal);
        }

        // The commerce store holds the account number only encrypted: the routing number (kept in clear) is found in the
        // payment methods' row, the account number in no row, in no form.
        await using (var db = new NpgsqlConnection(LocalServices.ConnectionString(host.Database)))
        {
            await db.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT coalesce(PayloadBinary, ''::bytea), coalesce(PayloadJson, '') FROM OrleansStorage WHERE ServiceId IS NOT NULL", db);
            var rows = new List<(byte[] Binary, string Json)>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) rows.Add(((byte[])reader[0], reader.GetString(1)));
            }
            bool Holds((byte[] Binary, string Json) row, string text) =>
                row.Json.Contains(text, StringComparison.Ordinal)
                || row.Binary.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0
                || row.Binary.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)) >= 0;
            Assert.Contains(rows, r => Holds(r, GoodRouting) && Holds(r, "Ada Lovelace"));
            Assert.DoesNotContain(rows, r => Holds(r, number));
        }

        // And no log line of the host, at Debug in every category, holds it.
        Assert.DoesNotContain(host.Host.Output.Concat(host.Host.Errors), line => line.Contains(number, StringComparison.Ordinal));
        Assert.Contains(host.Host.Output, line => line.Contains(bank.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_linked_partner_adds_and_lists_methods_for_the_customer()
    {
        var (account, customer) = await host.NewCustomerAsync("Corner Shop Owner");
        using var _customer = customer;
        var partnerId = "pay-shop-" + Guid.NewGuid().ToString("N")[..8];
        var created = await host.Operator.CreatePartnerAsync(partnerId, "Corner shop");
        var credentials = new PartnerCredentials(partnerId, created.Secret) { OnBehalfOf = account.Customer.CustomerId };

        using (var early = host.Client(partner: credentials))
        {
            var refused = await Assert.ThrowsAsync<VbiApiException>(() => early.AddCardAsync("tok_visa"));
            Assert.Equal((403, "PartnerNotLinked"), (refused.Status, refused.Code));
        }
        await customer.LinkPartnerAsync(partnerId);
        using var shop = host.Client(partner: credentials);
        var card = await shop.AddCardAsync("tok_mastercard");
        var text = await shop.GetAchAuthorizationAsync();
        var bank = await shop.AddBankAccountAsync(new BankAccount(GoodRouting, PaymentMethodsHostFixture.NewAccountNumber(), "Corner Shop Owner"), text.Version);
        Assert.Equal([card.Id, bank.Id], (await customer.ListPaymentMethodsAsync()).Select(m => m.Id));
        Assert.Equal([card.Id, bank.Id], (await shop.ListPaymentMethodsAsync()).Select(m => m.Id));
        Assert.True((await shop.SetDefaultPaymentMethodAsync(bank.Id)).IsDefault);
        Assert.Equal(bank.Id, (await customer.ListPaymentMethodsAsync()).Single(m => m.IsDefault).Id);
    }

    [Fact]
    public async Task The_cli_adds_a_card_and_a_bank_account_and_lists_them()
    {
        var home = Path.Combine(Path.GetTempPath(), "vbi-pay-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        var variables = new Dictionary<string, string?> { ["VBI_PASSWORD"] = PaymentMethodsHostFixture.Password };
        Task<(int Exit, string Out, string Err)> Vbi(params string[] args) => Fixtures.InProcessVbi.RunAsync(host.BaseAddress, home, variables, args);
        try
        {
            var (exit, output, error) = await Vbi("register", "--email", $"p{Guid.NewGuid():N}@example.com", "--zip", "10001");
            Assert.True(exit == 0, error);

            (exit, output, error) = await Vbi("pay", "add", "--card", "tok_visa");
            Assert.True(exit == 0, error);
            Assert.Contains("Visa …4242", output, StringComparison.Ordinal);
            Assert.Contains("[default]", output, StringComparison.Ordinal);

            var number = PaymentMethodsHostFixture.NewAccountNumber();
            // Without the acceptance: the authorization is printed and nothing is added.
            (exit, output, error) = await Vbi("pay", "add", "--bank", GoodRouting, number, "--holder", "Ada Lovelace", "--savings");
            Assert.Equal(Cli.ExitCodes.Usage, exit);
            Assert.Contains("ACH debit authorization", output, StringComparison.Ordinal);
            Assert.Contains("--accept-ach-authorization", error, StringComparison.Ordinal);
            (exit, _, error) = await Vbi("pay", "add", "--bank", "021000022", number, "--holder", "Ada Lovelace", "--accept-ach-authorization");
            Assert.Equal(Cli.ExitCodes.Refused, exit);
            Assert.Contains("InvalidRoutingNumber", error, StringComparison.Ordinal);
            (exit, output, error) = await Vbi("pay", "add", "--bank", GoodRouting, number, "--holder", "Ada Lovelace", "--savings", "--accept-ach-authorization");
            Assert.True(exit == 0, error);
            Assert.Contains($"savings …{number[^4..]}", output, StringComparison.Ordinal);

            (exit, output, error) = await Vbi("pay", "list");
            Assert.True(exit == 0, error);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("* pm_", lines[0], StringComparison.Ordinal);
            Assert.Contains("…4242", lines[0], StringComparison.Ordinal);
            Assert.Contains($"…{number[^4..]}", lines[1], StringComparison.Ordinal);
            Assert.DoesNotContain(number, output, StringComparison.Ordinal);

            (exit, output, error) = await Vbi("pay", "list", "--json");
            Assert.True(exit == 0, error);
            var methods = JsonDocument.Parse(output).RootElement;
            var bankId = methods[1].GetProperty("id").GetString()!;
            (exit, _, error) = await Vbi("pay", "default", bankId);
            Assert.True(exit == 0, error);
            (exit, output, _) = await Vbi("pay", "list");
            Assert.StartsWith($"* {bankId}", output.Split('\n')[1], StringComparison.Ordinal);
            (exit, _, error) = await Vbi("pay", "remove", bankId);
            Assert.True(exit == 0, error);
            (exit, output, _) = await Vbi("pay", "list");
            Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private async Task<(int Status, JsonElement Body)> PostAsync(string token, string json)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/payment-methods") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
