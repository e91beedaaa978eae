using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Requests;

/// <summary>
/// A standardized postal address as a print's shipment carries it (Publication 28 form, as the address matching
/// service answers it). Every field is always encoded; optional ones are empty.
/// <code>name (1-40) | company (0-40) | street (1-48) | street2 (0-48) | city (1-28) | state (2 capitals) | zip5 (5 digits) | zip4 (0 or 4 digits)</code>
/// </summary>
public sealed record ShippingAddress
{
    public const int MaxNameLength = 40;
    public const int MaxStreetLength = 48;
    public const int MaxCityLength = 28;

    public ShippingAddress(string name, string? company, string street, string? street2, string city, string state, string zip5, string? zip4,
        string field = "address")
    {
        Name = Required(Fields.Ascii(name, MaxNameLength, field + ".name"), field + ".name");
        Company = Fields.Ascii(company ?? "", MaxNameLength, field + ".company");
        Street = Required(Fields.Ascii(street, MaxStreetLength, field + ".street"), field + ".street");
        Street2 = Fields.Ascii(street2 ?? "", MaxStreetLength, field + ".street2");
        City = Required(Fields.Ascii(city, MaxCityLength, field + ".city"), field + ".city");
        if (state is not { Length: 2 } || !state.All(char.IsAsciiLetterUpper)) throw new ArgumentException("two capital letters", field + ".state");
        State = state;
        if (zip5 is not { Length: 5 } || !zip5.All(char.IsAsciiDigit)) throw new ArgumentException("five digits", field + ".zip5");
        Zip5 = zip5;
        Zip4 = zip4 ?? "";
        if (Zip4.Length is not (0 or 4) || !Zip4.All(char.IsAsciiDigit)) throw new ArgumentException("empty or four digits", field + ".zip4");
    }

    public string Name { get; }
    public string Company { get; }
    public string Street { get; }
    public string Street2 { get; }
    public string City { get; }
    public string State { get; }
    public string Zip5 { get; }
    public string Zip4 { get; }

    /// <summary>"SAN FRANCISCO CA 94102-4689".</summary>
    public string LastLine => $"{City} {State} {(Zip4.Length == 0 ? Zip5 : Zip5 + "-" + Zip4)}";

    /// <summary>The lines as a label prints them: name, company, street lines, last line (empty ones left out).</summary>
    public IReadOnlyList<string> Lines => new[] { Name, Company, Street, Street2, LastLine }.Where(l => l.Length > 0).ToArray();

    internal void Write(WireWriter w) =>
        w.Text(Name).Text(Company).Text(Street).Text(Street2).Text(City).Text(State).Text(Zip5).Text(Zip4);

    internal static ShippingAddress Read(ref WireReader r, string field) =>
        new(r.Text(field + ".name"), r.Text(field + ".company"), r.Text(field + ".street"), r.Text(field + ".street2"), r.Text(field + ".city"),
            r.Text(field + ".state"), r.Text(field + ".zip5"), r.Text(field + ".zip4"), field);

    public ShippingAddressJson ToJson() =>
        new(Name, NullIfEmpty(Company), Street, NullIfEmpty(Street2), City, State, Zip5, NullIfEmpty(Zip4));

    internal static ShippingAddress FromJson(ShippingAddressJson? json, string field)
    {
        JsonFields.Required(json, field);
        return new ShippingAddress(JsonFields.Required(json!.Name, field + ".name"), json.Company, JsonFields.Required(json.Street, field + ".street"),
            json.Street2, JsonFields.Required(json.City, field + ".city"), JsonFields.Required(json.State, field + ".state"),
            JsonFields.Required(json.Zip5, field + ".zip5"), json.Zip4, field);
    }

    private static string Required(string value, string field) =>
        value.Length > 0 && value.Trim() == value ? value : throw new ArgumentException("not empty, no surrounding spaces", field);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>
/// What a print ships: sender and recipient, weight, dimensions and extra services. The class is the transaction's
/// mail class. Units are those of the rates (docs/rates.md): tenths of an ounce, hundredths of an inch, mills.
/// <code>
/// from (address) | to (address) | weightTenthsOz (i32, 1-11200) | length | width | height (i32 each, hundredths of an
/// inch; all 0 for none, else length &gt;= width &gt;= height &gt; 0, each at most 10800) | signature (byte 0/1)
/// | declaredValueMills (i64: 0 without insurance, else 1-5000000 and insured)
/// </code>
/// </summary>
public sealed record ShipmentBody
{
    public const int MaxWeightTenthsOz = 70 * 16 * 10;
    public const int MaxSideHundredths = 108 * 100;
    public const long MaxDeclaredValueMills = 5_000_000;

    public ShipmentBody(ShippingAddress from, ShippingAddress to, int weightTenthsOz, int lengthHundredths, int widthHundredths, int heightHundredths,
        bool signature, long declaredValueMills)
    {
        From = from ?? throw new ArgumentException("required", "shipment.from");
        To = to ?? throw new ArgumentException("required", "shipment.to");
        if (weightTenthsOz is < 1 or > MaxWeightTenthsOz) throw new ArgumentException("1 to 11200 tenths of an ounce", "shipment.weightTenthsOz");
        WeightTenthsOz = weightTenthsOz;
        var none = lengthHundredths == 0 && widthHundredths == 0 && heightHundredths == 0;
        // Longest first, so one box has one encoding.
        if (!none && !(lengthHundredths >= widthHundredths && widthHundredths >= heightHundredths && heightHundredths > 0 && lengthHundredths <= MaxSideHundredths))
            throw new ArgumentException("all 0, or length >= width >= height > 0 hundredths of an inch, at most 108 in", "shipment.dimensions");
        (LengthHundredths, WidthHundredths, HeightHundredths) = (lengthHundredths, widthHundredths, heightHundredths);
        Signature = signature;
        if (declaredValueMills is < 0 or > MaxDeclaredValueMills) throw new ArgumentException("0 (no insurance) to 5000000 mills", "shipment.declaredValueMills");
        DeclaredValueMills = declaredValueMills;
    }

    public ShippingAddress From { get; }
    public ShippingAddress To { get; }
    public int WeightTenthsOz { get; }
    public int LengthHundredths { get; }
    public int WidthHundredths { get; }
    public int HeightHundredths { get; }
    public bool HasDimensions => LengthHundredths > 0;
    public bool Signature { get; }

    /// <summary>The declared value insured; 0 for no insurance.</summary>
    public long DeclaredValueMills { get; }

    public bool Insured => DeclaredValueMills > 0;

    internal void Write(WireWriter w)
    {
        From.Write(w);
        To.Write(w);
        w.I32(WeightTenthsOz).I32(LengthHundredths).I32(WidthHundredths).I32(HeightHundredths).Byte(Signature ? (byte)1 : (byte)0).I64(DeclaredValueMills);
    }

    internal static ShipmentBody Read(ref WireReader r)
    {
        var from = ShippingAddress.Read(ref r, "shipment.from");
        var to = ShippingAddress.Read(ref r, "shipment.to");
        var weight = r.I32("shipment.weightTenthsOz");
        var (l, w, h) = (r.I32("shipment.dimensions"), r.I32("shipment.dimensions"), r.I32("shipment.dimensions"));
        var signature = r.Byte("shipment.signature") switch
        {
            0 => false,
            1 => true,
            _ => throw WireFormatException.Invalid("shipment.signature"),
        };
        return new ShipmentBody(from, to, weight, l, w, h, signature, r.I64("shipment.declaredValueMills"));
    }

    public ShipmentBodyJson ToJson() =>
        new(From.ToJson(), To.ToJson(), WeightTenthsOz, HasDimensions ? [LengthHundredths, WidthHundredths, HeightHundredths] : null,
            Signature, Insured ? DeclaredValueMills : null);

    internal static ShipmentBody FromJson(ShipmentBodyJson json)
    {
        if (json.DimensionsHundredths is { Length: not 3 }) throw new ArgumentException("three sides", "shipment.dimensions");
        var d = json.DimensionsHundredths ?? [0, 0, 0];
        // An explicit 0 would be a second spelling of "not insured".
        if (json.DeclaredValueMills is 0) throw new ArgumentException("absent without insurance", "shipment.declaredValueMills");
        return new ShipmentBody(ShippingAddress.FromJson(json.From, "shipment.from"), ShippingAddress.FromJson(json.To, "shipment.to"),
            json.WeightTenthsOz, d[0], d[1], d[2], json.Signature, json.DeclaredValueMills ?? 0);
    }
}

/// <summary>The JSON form of <see cref="ShippingAddress"/>.</summary>
public sealed record ShippingAddressJson(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("company")] string? Company,
    [property: JsonPropertyName("street")] string? Street,
    [property: JsonPropertyName("street2")] string? Street2,
    [property: JsonPropertyName("city")] string? City,
    [property: JsonPropertyName("state")] string? State,
    [property: JsonPropertyName("zip5")] string? Zip5,
    [property: JsonPropertyName("zip4")] string? Zip4);

/// <summary>The JSON form of <see cref="ShipmentBody"/>: dimensions as [length, width, height] in hundredths of an inch, longest first.</summary>
public sealed record ShipmentBodyJson(
    [property: JsonPropertyName("from")] ShippingAddressJson? From,
    [property: JsonPropertyName("to")] ShippingAddressJson? To,
    [property: JsonPropertyName("weightTenthsOz")] int WeightTenthsOz,
    [property: JsonPropertyName("dimensionsHundredths")] int[]? DimensionsHundredths = null,
    [property: JsonPropertyName("signature")] bool Signature = false,
    [property: JsonPropertyName("declaredValueMills")] long? DeclaredValueMills = null);
