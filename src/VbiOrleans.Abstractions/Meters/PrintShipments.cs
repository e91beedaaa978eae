using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Abstractions.Meters;

/// <summary>A signed request's shipment as the print command (and so the log record) carries it, field for field.</summary>
public static class PrintShipments
{
    public static PrintShipment? Of(ShipmentBody? s) => s is null ? null
        : new PrintShipment(Of(s.From), Of(s.To), s.WeightTenthsOz, s.LengthHundredths, s.WidthHundredths, s.HeightHundredths, s.Signature,
            s.DeclaredValueMills);

    public static ShipmentAddress Of(ShippingAddress a) => new(a.Name, a.Company, a.Street, a.Street2, a.City, a.State, a.Zip5, a.Zip4);

    /// <summary>The lines a label prints: name, company, street lines, "CITY ST 12345-6789" (empty ones left out).</summary>
    public static IReadOnlyList<string> Lines(ShipmentAddress a) =>
        new[] { a.Name, a.Company, a.Street, a.Street2, $"{a.City} {a.State} {(a.Zip4.Length == 0 ? a.Zip5 : a.Zip5 + "-" + a.Zip4)}" }
            .Where(l => l.Length > 0).ToArray();
}
