using System.Text.Json;
using CsCheck;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Requests;

public sealed class TransactionBodyTests
{
    private static readonly Gen<string> Ascii = Gen.Char[' ', '~'].Array[1, 16].Select(c => new string(c));

    public static readonly Gen<TransactionBody> AnyBody = Gen.OneOf(
        Gen.Select(Gen.Long[1, long.MaxValue], Ascii, Ascii, Ascii, (a, z, c, k) => TransactionBody.Print(a, z, c, k)),
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
}
