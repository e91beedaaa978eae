namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's payment methods (key: customer id, <c>commerce</c> store). Only what invoice collection needs is
/// declared here: the default method, as the payment provider knows it.
/// </summary>
public interface IPaymentMethodsGrain : IGrainWithStringKey
{
    /// <summary>The customer's default payment method, or null when there is none.</summary>
    Task<DefaultPaymentMethod?> Default();
}

/// <summary>A payment method as a charge names it: its kind, the provider's customer and the source (card) id.</summary>
[GenerateSerializer, Immutable]
public sealed record DefaultPaymentMethod(
    [property: Id(0)] string Id,
    [property: Id(1)] PaymentMethodKind Kind,
    [property: Id(2)] string ProviderCustomerId,
    [property: Id(3)] string SourceId);
