namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// A customer's payment methods (key: customer id, <c>commerce</c> store). Declared here with only what invoice
/// collection needs, the default method as the payment provider knows it; c20-pay's full contract (same names and
/// member ids) replaces this file when merged.
/// </summary>
public interface IPaymentMethodsGrain : IGrainWithStringKey
{
    /// <summary>The customer's default payment method, or null when there is none.</summary>
    Task<PaymentMethodView?> Default();
}

/// <summary>A payment method as a charge names it: its kind, the provider's customer and the card's source.</summary>
[GenerateSerializer, Immutable]
public sealed record PaymentMethodView(
    [property: Id(0)] string Id,
    [property: Id(1)] PaymentMethodKind Kind,
    [property: Id(7)] string? ProviderCustomerId,
    [property: Id(8)] string? SourceId);
