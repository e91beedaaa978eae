using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Grains.Modules;

/// <summary>What a signed response's payload hash covers: the indicium a print issued (its id and bytes), else nothing.</summary>
public static class ClientPayload
{
    public static byte[] Of(IssuedIndicium? indicium) =>
        indicium is null ? [] : TransactionPayload.ForIndicium(indicium.IndiciumId, [.. indicium.Data, .. indicium.Signature]);
}
