namespace VbiOrleans.Abstractions.Commerce;

// The lead's minimal copy for purchases to compile; c20-pay's full file replaces it at merge.
public interface IPaymentMethodsGrain : IGrainWithStringKey
{
    Task<PaymentMethodView?> Find(string methodId);
    Task<PaymentMethodView?> Default();
}

[GenerateSerializer, Immutable]
public sealed record PaymentMethodView(
    [property: Id(0)] string Id,
    [property: Id(1)] PaymentMethodKind Kind,
    [property: Id(2)] string Last4,
    [property: Id(3)] bool IsDefault,
    [property: Id(4)] DateTimeOffset AddedAt,
    [property: Id(5)] string? ProviderCustomerId,
    [property: Id(6)] string? SourceId);
