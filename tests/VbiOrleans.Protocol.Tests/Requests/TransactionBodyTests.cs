using System.Text.Json;
using CsCheck;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Requests;

public sealed class TransactionBodyTests
{
    private static readonly Gen<string> Ascii = Gen.Char[' ', '~'].Array[1, 16].Select(c => new string(c));

    private static readonly Gen<string> Word = Gen.Char['A', 'Z'].Array[1, 12].Select(c => new string(c));
    private static readonly Gen<string> Optional = Gen.OneOf(Gen.Const(""), Word);

    private static readonly Gen<ShippingAddress> AnyAddress = Gen.Select(
        Gen.Select(Word, Optional, Word, Optional),
        Gen.Select(Word, Gen.Char['A', 'Z'].Array[2].Select(c => new string(c)), Gen.Int[0, 99_999], Gen.OneOf(Gen.Const(-1), Gen.Int[0, 9_999])),
        (a, b) => new ShippingAddress(a.Item1, a.Item2, a.Item3, a.Item4, b.Item1, b.Item2, b.Item3.ToString("D5"), b.Item4 < 0 ? "" : b.Item4.ToString("D4")));

    public static readonly Gen<ShipmentBody> AnyShipment = Gen.Select(
        Gen.Select(AnyAddress, AnyAddress, Gen.Int[1, ShipmentBody.MaxWeightTenthsOz]),
        Gen.OneOf(Gen.Const(new[] { 0, 0, 0 }), Gen.Int[1, ShipmentBody.MaxSideHundredths].Array[3].Select(s => s.OrderDescending().ToArray())),
        Gen.Bool, Gen.OneOf(Gen.Const(0L), Gen.Long[1, ShipmentBody.MaxDeclaredValueMills]),
        (a, d, signature, declared) => new ShipmentBody(a.Item1, a.Item2, a.Item3, d[0], d[1], d[2], signature, declared));

    public static readonly Gen<TransactionBody> AnyBody = Gen.OneOf(
        Gen.Select(Gen.Long[1, long.MaxValue], Ascii, Ascii, Ascii, (a, z, c, k) => TransactionBody.Print(a, z, c, k)),
        Gen.Select(Gen.Long[1, long.MaxValue], Ascii, Ascii, AnyShipment, (a, z, c, s) => TransactionBody.Print(a, z, c, shipment: s)),
        Gen.Select(Gen.Long[1, long.MaxValue], Ascii, (a, r) => TransactionBody.PostageValueDownload(a, r)),
        Ascii.Select(TransactionBody.Refund),
        Gen.Const(TransactionBody.Withdraw()));

    [Fact]
    public void Every_body_round_trips_as_bytes_and_JSON() =>
        AnyBody.Sample(body =>
        {
            var bytes = body.Encode();
            Assert.Equal(body, TransactionBody.Decode(bytes).Value);
            var json = JsonSerializer.Serialize(body.ToJson());
            var back = TransactionBody.FromJson(JsonSerializer.Deserialize<TransactionBodyJson>(json)).Value!;
            Assert.Equal(bytes, back.Encode());
        });

    [Fact]
    public void Different_bodies_encode_differently() =>
        Gen.Select(AnyBody, AnyBody).Sample((a, b) => Assert.Equal(a == b, a.Encode().AsSpan().SequenceEqual(b.Encode())));

    [Fact]
    public void The_encoding_is_the_documented_layout()
    {
        var bytes = TransactionBody.Print(530, "94107", "first-class").Encode();
        byte[] expected =
        [
            0x08, 0x01,
            5, 0, .. "print"u8,
            0x12, 0x02, 0, 0, 0, 0, 0, 0,
            5, 0, .. "94107"u8,
            11, 0, .. "first-class"u8,
            7, 0, .. "postage"u8,
            0, 0,
            0, 0,
            0, // no shipment
        ];
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("print", 0, "94107", "first", "postage", null, null, "amountMills")]
    [InlineData("print", 100, "", "first", "postage", null, null, "destinationZip")]
    [InlineData("print", 100, "94107", "first", "postage", "ind-1", null, "indiciumId")]
    [InlineData("pvd", 100, null, null, null, null, "", "paymentReference")]
    [InlineData("pvd", -5, null, null, null, null, "pay-1", "amountMills")]
    [InlineData("pvd", 100, "94107", null, null, null, "pay-1", "destinationZip")]
    [InlineData("refund", 10, null, null, null, "ind-1", null, "amountMills")]
    [InlineData("refund", 0, null, null, null, null, null, "indiciumId")]
    [InlineData("withdraw", 0, null, null, null, null, "pay-1", "paymentReference")]
    [InlineData("reset", 0, null, null, null, null, null, "kind")]
    [InlineData("print", 100, "9410\u00e9", "first", "postage", null, null, "destinationZip")]
    public void Each_kind_allows_only_its_fields(string kind, long amount, string? zip, string? mailClass, string? itemKind, string? indiciumId,
        string? paymentReference, string field)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => TransactionBody.Create(kind, amount, zip, mailClass, itemKind, indiciumId, paymentReference));
        Assert.Equal(field, e.ParamName);
        var json = new TransactionBodyJson(kind, amount, zip, mailClass, itemKind, indiciumId, paymentReference);
        var decoded = TransactionBody.FromJson(json);
        Assert.Equal(DecodeError.InvalidField, decoded.Error);
        Assert.Equal(field, decoded.Field);
    }

    [Fact]
    public void A_body_breaking_a_rule_does_not_decode_even_when_well_formed()
    {
        var print = TransactionBody.Print(530, "94107", "first-class").Encode();
        print[4] = (byte)'q'; // "print" -> "qrint"
        var decoded = TransactionBody.Decode(print);
        Assert.Equal(DecodeError.InvalidField, decoded.Error);
        Assert.Equal("kind", decoded.Field);
    }

    private static readonly ShippingAddress Jane = new("JANE ROE", null, "1 DR CARLTON B GOODLETT PL", null, "SAN FRANCISCO", "CA", "94102", null);
    private static readonly ShippingAddress Shop = new("ACME SHOP", null, "350 5TH AVE", null, "NEW YORK", "NY", "10001", null);

    [Fact]
    public void A_print_with_a_shipment_encodes_it_after_a_presence_byte_and_only_a_print_takes_one()
    {
        var shipment = new ShipmentBody(Shop, Jane, 160, 1000, 800, 400, signature: true, declaredValueMills: 50_000);
        var bytes = TransactionBody.Print(9_350, "94102", "PRIORITY", shipment: shipment).Encode();
        var plain = TransactionBody.Print(9_350, "94102", "PRIORITY").Encode();
        Assert.Equal(plain[..^1], bytes[..(plain.Length - 1)]);
        Assert.Equal(1, bytes[plain.Length - 1]);
        Assert.Equal(shipment, TransactionBody.Decode(bytes).Value!.Shipment);
        var field = Assert.Throws<ArgumentException>(() => TransactionBody.Create(TransactionKinds.PostageValueDownload, 100, paymentReference: "p", shipment: shipment));
        Assert.Equal("shipment", field.ParamName);
    }

    [Theory]
    [InlineData(0, 0, 0, 0, 0, "shipment.weightTenthsOz")]
    [InlineData(11_201, 0, 0, 0, 0, "shipment.weightTenthsOz")]
    [InlineData(160, 400, 800, 1000, 0, "shipment.dimensions")]
    [InlineData(160, 1000, 800, 0, 0, "shipment.dimensions")]
    [InlineData(160, 10_801, 800, 400, 0, "shipment.dimensions")]
    [InlineData(160, 0, 0, 0, -1, "shipment.declaredValueMills")]
    [InlineData(160, 0, 0, 0, 5_000_001, "shipment.declaredValueMills")]
    public void A_shipment_out_of_its_bounds_or_in_a_second_spelling_is_refused_naming_the_field(int weight, int l, int w, int h, long declared, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new ShipmentBody(Shop, Jane, weight, l, w, h, false, declared));
        Assert.Equal(field, e.ParamName);
    }

    [Theory]
    [InlineData("", "CA", "94102", "", "to.name")]
    [InlineData(" JANE", "CA", "94102", "", "to.name")]
    [InlineData("JANE ROE", "ca", "94102", "", "to.state")]
    [InlineData("JANE ROE", "CA", "9410", "", "to.zip5")]
    [InlineData("JANE ROE", "CA", "94102", "12", "to.zip4")]
    public void An_address_field_out_of_its_rules_is_refused(string name, string state, string zip5, string zip4, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => new ShippingAddress(name, null, "1 MAIN ST", null, "X", state, zip5, zip4, "to"));
        Assert.Equal(field, e.ParamName);
    }

    [Fact]
    public void The_JSON_form_has_one_spelling_of_no_insurance_and_a_flipped_presence_byte_does_not_decode()
    {
        var body = TransactionBody.Print(9_350, "94102", "PRIORITY", shipment: new ShipmentBody(Shop, Jane, 160, 0, 0, 0, false, 0));
        var json = body.ToJson();
        Assert.Null(json.Shipment!.DeclaredValueMills);
        Assert.Null(json.Shipment.DimensionsHundredths);
        var zero = TransactionBody.FromJson(json with { Shipment = json.Shipment with { DeclaredValueMills = 0 } });
        Assert.Equal(("shipment.declaredValueMills", DecodeError.InvalidField), (zero.Field, zero.Error));
        var bytes = TransactionBody.Print(9_350, "94102", "PRIORITY").Encode();
        bytes[^1] = 2;
        Assert.Equal("hasShipment", TransactionBody.Decode(bytes).Field);
    }
}
