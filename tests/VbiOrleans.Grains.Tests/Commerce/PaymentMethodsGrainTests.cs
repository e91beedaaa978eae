using System.Security.Cryptography;
using Orleans.TestingHost;
using VbiOrleans.Abstractions.Commerce;
using VbiOrleans.Domain.Payments;
using VbiOrleans.Grains.Commerce;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;

namespace VbiOrleans.Grains.Tests.Commerce;

/// <summary>
/// The payment methods grain on the 3-silo PostgreSQL cluster (test-mode payment provider): what the NACHA file
/// writer reads back (<see cref="IPaymentMethodsGrain.RevealBankAccount"/>), the authorization record, and the bound
/// on methods in use.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class PaymentMethodsGrainTests(PostgresClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    private static string NewCustomerId() => "u-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private static BankAccountInput Bank(string account, string version = AchAuthorization.CurrentVersion) =>
        new("021000021", account, BankAccountType.Checking, "Ada Lovelace", new AchAuthorizationAcceptance(true, version, "127.0.0.1", "partner:shop-1"));

    [Fact]
    public async Task The_nacha_writer_reads_the_account_number_back_even_after_the_account_is_removed()
    {
        var customer = NewCustomerId();
        var grain = Cluster.Client.GetGrain<IPaymentMethodsGrain>(customer);
        var added = await grain.AddBankAccount(Bank("000123456789"), "k1");
        Assert.True(added.IsSuccess, added.Message);
        Assert.Equal(("6789", PaymentMethodKind.BankAccount, true), (added.Method!.Last4, added.Method.Kind, added.Method.IsDefault));
        Assert.NotNull(await PostgresClusterFixture.SharedHsm.FindKeyAsync(PaymentMethodsGrain.BankAccountsKeyLabel));

        var details = await grain.RevealBankAccount(added.Method.Id);
        Assert.NotNull(details);
        Assert.Equal(("021000021", "000123456789", BankAccountType.Checking, "Ada Lovelace"), (details.RoutingNumber, details.AccountNumber, details.AccountType, details.HolderName));
        Assert.Equal(AchAuthorization.CurrentVersion, details.Authorization.TextVersion);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(AchAuthorization.CurrentText))), details.Authorization.TextSha256);
        Assert.Equal(("127.0.0.1", "partner:shop-1"), (details.Authorization.IpAddress, details.Authorization.Credential));
        Assert.DoesNotContain("000123456789", details.ToString(), StringComparison.Ordinal);

        Assert.True((await grain.Remove(added.Method.Id)).IsSuccess);
        Assert.Null(await grain.Find(added.Method.Id));
        Assert.Null(await grain.Default());
        Assert.Empty(await grain.List());
        var afterRemoval = await grain.RevealBankAccount(added.Method.Id);
        Assert.Equal("000123456789", afterRemoval!.AccountNumber);
        Assert.NotNull(afterRemoval.RemovedAt);

        // Another customer's grain knows nothing of it.
        Assert.Null(await Cluster.Client.GetGrain<IPaymentMethodsGrain>(NewCustomerId()).RevealBankAccount(added.Method.Id));
    }

    [Fact]
    public async Task Cards_are_bounded_and_a_card_is_what_a_purchase_charges()
    {
        var grain = Cluster.Client.GetGrain<IPaymentMethodsGrain>(NewCustomerId());
        var first = await grain.AddCard("tok_visa", "card-0");
        Assert.True(first.IsSuccess, first.Message);
        var found = await grain.Find(first.Method!.Id);
        Assert.Equal(("test-mode", true), (found!.Provider, found.IsDefault));
        Assert.StartsWith("cus_", found.ProviderCustomerId);
        Assert.StartsWith("card_", found.SourceId);
        Assert.Equal(first.Method.Id, (await grain.Default())!.Id);
        for (var i = 1; i < 10; i++) Assert.True((await grain.AddCard("tok_mastercard", $"card-{i}")).IsSuccess);
        // Every card of the customer is a source of the same provider customer, made once.
        Assert.Single((await grain.List()).Select(m => m.ProviderCustomerId).Distinct());
        var eleventh = await grain.AddCard("tok_visa", "card-10");
        Assert.Equal(ErrorCode.TooManyPaymentMethods, eleventh.Error);
        Assert.Equal(ErrorCode.TooManyPaymentMethods, (await grain.AddBankAccount(Bank("12345678"), "bank-1")).Error);
        Assert.Equal(10, (await grain.List()).Count);
        // A replay of an earlier add is still answered while the account is full.
        Assert.True((await grain.AddCard("tok_mastercard", "card-3")).Replayed);
    }

    [Fact]
    public async Task After_the_provider_failed_a_retry_of_the_same_request_asks_it_under_a_new_key_and_adds_the_card_once()
    {
        var grain = Cluster.Client.GetGrain<IPaymentMethodsGrain>(NewCustomerId());
        // The test-mode provider of this cluster is new in every run, so the chain starts at its first link.
        const string chain = "tok_500|tok_visa|tok_mastercard";
        var failed = await grain.AddCard(chain, "retry-1");
        Assert.Equal(ErrorCode.PaymentProviderUnavailable, failed.Error);
        Assert.Empty(await grain.List());
        // The provider keeps its failure for the key it was asked under: the same key would fail for ever.
        var added = await grain.AddCard(chain, "retry-1");
        Assert.True(added.IsSuccess, added.Message);
        Assert.Equal(("Visa", "4242"), (added.Method!.Brand, added.Method.Last4));
        var again = await grain.AddCard(chain, "retry-1");
        Assert.Equal((added.Method.Id, true), (again.Method!.Id, again.Replayed));
        Assert.Single(await grain.List());
    }

    [Fact]
    public async Task Refusals_keep_nothing()
    {
        var grain = Cluster.Client.GetGrain<IPaymentMethodsGrain>(NewCustomerId());
        Assert.Equal(ErrorCode.InvalidRoutingNumber, (await grain.AddBankAccount(Bank("12345678") with { RoutingNumber = "021000022" }, "b1")).Error);
        Assert.Equal(ErrorCode.InvalidAccountNumber, (await grain.AddBankAccount(Bank("12 345678"), "b2")).Error);
        Assert.Equal(ErrorCode.AchAuthorizationRequired, (await grain.AddBankAccount(Bank("12345678", "2020-01"), "b3")).Error);
        Assert.Equal(ErrorCode.AchAuthorizationRequired,
            (await grain.AddBankAccount(Bank("12345678") with { Authorization = new AchAuthorizationAcceptance(false, AchAuthorization.CurrentVersion, "::1", "customer") }, "b4")).Error);
        var declined = await grain.AddCard("tok_chargeDeclined", "c1");
        Assert.Equal((ErrorCode.PaymentDeclined, "generic_decline"), (declined.Error, declined.DeclineCode));
        Assert.Equal(ErrorCode.PaymentInsufficientFunds, (await grain.AddCard("tok_chargeDeclinedInsufficientFunds", "c2")).Error);
        Assert.Equal(ErrorCode.InvalidPaymentToken, (await grain.AddCard("tok_unknown", "c3")).Error);
        Assert.Empty(await grain.List());
        Assert.Null(await grain.Default());
    }
}
