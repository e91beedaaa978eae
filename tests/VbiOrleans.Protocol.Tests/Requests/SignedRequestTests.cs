using System.Text.Json;
using CsCheck;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Requests;

public sealed class SignedRequestTests
{
    private static readonly TransactionBody Print = TransactionBody.Print(530, "94107-1234", "first-class", "postage");

    private static RequestVerification Verify(Flow f, SignedRequest r, DateTimeOffset? now = null) =>
        RequestAuthenticator.Verify(r, f.Hmk, f.Session, f.Ar, f.Dr, now ?? Keys.T0);

    [Fact]
    public void A_signed_request_round_trips_as_bytes_and_JSON_and_verifies_either_way()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "print-0001");
        var fromBytes = SignedRequest.Decode(request.Encode()).Value!;
        var json = JsonSerializer.Serialize(request.ToJson());
        var fromJson = SignedRequest.FromJson(JsonSerializer.Deserialize<SignedRequestJson>(json)).Value!;
        Assert.Equal(request.Encode(), fromBytes.Encode());
        Assert.Equal(request.Encode(), fromJson.Encode());
        Assert.Equal(RequestVerdict.Ok, Verify(f, fromBytes).Verdict);
        Assert.Equal(RequestVerdict.Ok, Verify(f, fromJson).Verdict);
        Assert.Contains("\"idempotencyKey\":\"print-0001\"", json, StringComparison.Ordinal);
        Assert.Contains("\"transaction\":{\"kind\":\"print\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_random_request_round_trips() =>
        Gen.Select(TransactionBodyTests.AnyBody, Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue], Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-_é"].Array[1, 128].Select(c => new string(c)))
            .Sample((body, ar, dr, key) =>
            {
                var r = RequestAuthenticator.Sign(Keys.Hmk(), Keys.MeterId, new byte[16], new byte[32], ar, dr, key, body);
                Assert.Equal(r.Encode(), SignedRequest.Decode(r.Encode()).Value!.Encode());
                Assert.Equal(r.Encode(), SignedRequest.FromJson(r.ToJson()).Value!.Encode());
            });

    [Fact]
    public void Changing_any_field_gives_BadMac()
    {
        var f = new Flow();
        var r = f.Chain.Sign(Print, "print-0001");
        var s = r.SessionId.Span.ToArray();
        var c = r.Challenge.Span.ToArray();
        var mac = r.Mac.Span;
        var tampered = new (string Field, SignedRequest Request)[]
        {
            ("meterId", new(Keys.OtherMeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, r.Transaction, mac)),
            ("sessionId", new(r.MeterId, Keys.Flip(s, 3), c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, r.Transaction, mac)),
            ("challenge", new(r.MeterId, s, Keys.Flip(c, 31), r.AscendingMills, r.DescendingMills, r.IdempotencyKey, r.Transaction, mac)),
            ("ascendingMills", new(r.MeterId, s, c, r.AscendingMills + 1, r.DescendingMills, r.IdempotencyKey, r.Transaction, mac)),
            ("descendingMills", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills - 1, r.IdempotencyKey, r.Transaction, mac)),
            ("idempotencyKey", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, "print-0002", r.Transaction, mac)),
            ("amount", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, TransactionBody.Print(531, "94107-1234", "first-class"), mac)),
            ("zip", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, TransactionBody.Print(530, "94107", "first-class"), mac)),
            ("mailClass", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, TransactionBody.Print(530, "94107-1234", "priority"), mac)),
            ("itemKind", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, TransactionBody.Print(530, "94107-1234", "first-class", "ticket"), mac)),
            ("kind", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, TransactionBody.PostageValueDownload(530, "94107-1234"), mac)),
            ("mac", new(r.MeterId, s, c, r.AscendingMills, r.DescendingMills, r.IdempotencyKey, r.Transaction, Keys.Flip(mac.ToArray(), 0))),
        };
        foreach (var (field, request) in tampered)
        {
            Assert.True(Verify(f, request).Verdict == RequestVerdict.BadMac, $"a changed {field} was not caught as BadMac");
        }
        Assert.Equal(RequestVerdict.BadMac, RequestAuthenticator.Verify(r, Keys.Hmk(9), f.Session, f.Ar, f.Dr, Keys.T0).Verdict);
    }

    [Fact]
    public void Flipping_any_bit_of_the_encoding_fails_to_decode_or_gives_BadMac() =>
        Gen.Int.Select(Gen.Int[0, 7]).Sample((position, bit) =>
        {
            var f = SharedFlow.Value;
            var bytes = f.Chain.Sign(Print, "print-0001").Encode();
            var i = (int)((uint)position % bytes.Length);
            var decoded = SignedRequest.Decode(Keys.Flip(bytes, i, (byte)(1 << bit)));
            if (!decoded.IsSuccess)
            {
                Assert.NotEqual(DecodeError.None, decoded.Error);
                return;
            }
            Assert.Equal(RequestVerdict.BadMac, Verify(f, decoded.Value).Verdict);
        }, iter: 2_000, threads: 1);

    [Fact]
    public void Flipping_any_byte_gives_BadMac_except_in_the_framing_which_does_not_decode()
    {
        var f = new Flow();
        var request = f.Chain.Sign(Print, "print-0001");
        var bytes = request.Encode();

        // The framing, from the documented layout: type and version, the length prefixes, and the kind (a flipped
        // kind names no kind). Every other byte is a value the MAC covers.
        var framing = new HashSet<int> { 0, 1, 2, 3 };
        var p = 4 + request.MeterId.Length + 16 + 32 + 8 + 8;
        framing.UnionWith([p, p + 1]);
        p += 2 + request.IdempotencyKey.Length;
        framing.UnionWith([p, p + 1, p + 2, p + 3, p + 4, p + 5]); // transaction length, body type and version, kind length
        p += 6;
        framing.UnionWith(Enumerable.Range(p, 5)); // "print"
        p += 5 + 8;
        foreach (var text in new[] { "94107-1234", "first-class", "postage", "", "" })
        {
            framing.UnionWith([p, p + 1]);
            p += 2 + text.Length;
        }
        framing.Add(p++); // hasShipment: 0 or 1, anything else does not decode
        Assert.Equal(bytes.Length - 32, p);

        for (var i = 0; i < bytes.Length; i++)
        {
            var decoded = SignedRequest.Decode(Keys.Flip(bytes, i));
            if (framing.Contains(i))
            {
                Assert.False(decoded.IsSuccess, $"byte {i} is framing, yet decoded");
                continue;
            }
            Assert.True(decoded.IsSuccess, $"byte {i}: {decoded}");
            Assert.True(Verify(f, decoded.Value).Verdict == RequestVerdict.BadMac, $"byte {i}");
        }
    }

    [Fact]
    public void Malformed_encodings_are_named()
    {
        var f = new Flow();
        var bytes = f.Chain.Sign(Print, "print-0001").Encode();
        Assert.Equal(DecodeError.Truncated, SignedRequest.Decode(bytes[..^1]).Error);
        Assert.Equal(DecodeError.TrailingBytes, SignedRequest.Decode([.. bytes, 0]).Error);
        Assert.Equal(DecodeError.UnsupportedVersion, SignedRequest.Decode(Keys.Flip(bytes, 1, 0x02)).Error);
        Assert.Equal(DecodeError.WrongMessageType, SignedRequest.Decode(Keys.Flip(bytes, 0)).Error);
        var json = f.Chain.Sign(Print, "print-0001").ToJson();
        Assert.Equal(DecodeError.MissingField, SignedRequest.FromJson(json with { Mac = null }).Error);
        Assert.Equal(("sessionId", DecodeError.InvalidField), (SignedRequest.FromJson(json with { SessionId = "AAAA" }).Field, SignedRequest.FromJson(json with { SessionId = "AAAA" }).Error));
        Assert.Equal("ascendingMills", SignedRequest.FromJson(json with { AscendingMills = -1 }).Field);
        Assert.Equal(DecodeError.UnsupportedVersion, SignedRequest.FromJson(json with { Version = 2 }).Error);
        Assert.Equal("transaction.amountMills", SignedRequest.FromJson(json with { Transaction = json.Transaction! with { AmountMills = 0 } }).Field);
        Assert.Equal("idempotencyKey", SignedRequest.FromJson(json with { IdempotencyKey = "a\u0000b" }).Field);
    }

    private static class SharedFlow
    {
        public static readonly Flow Value = new();
    }
}
