using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Tests.Wire;

/// <summary>
/// The strict decoder on the signed request's JSON form, one test per class of input it refuses: a number sent as a
/// string, a member of the wrong type, a duplicated member, an unknown or differently cased member, an enum as a
/// number. Each refusal names the member; the honest form still reads and verifies.
/// </summary>
public sealed class StrictJsonTests
{
    private static readonly SignedRequest Pvd = new Flow().Chain.Sign(TransactionBody.PostageValueDownload(1000, "payment-1"), "pvd-0001");

    private static string Json() => JsonSerializer.Serialize(Pvd.ToJson(), StrictJson.Options);

    private static string Edited(Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(Json())!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    private static Decoded<SignedRequestJson> Read(string json) => StrictJson.Deserialize<SignedRequestJson>(Encoding.UTF8.GetBytes(json), StrictJson.Options, out _);

    private static void Refused(string json, string field)
    {
        var read = Read(json);
        Assert.False(read.IsSuccess, json);
        Assert.Equal(DecodeError.InvalidField, read.Error);
        Assert.Equal(field, read.Field);
    }

    [Fact]
    public void The_honest_form_reads_and_decodes_to_the_signed_bytes()
    {
        var read = Read(Json());
        Assert.True(read.IsSuccess, read.ToString());
        Assert.Equal(Pvd.Encode(), SignedRequest.FromJson(read.Value).Value!.Encode());
    }

    [Fact]
    public void A_number_sent_as_a_string_is_refused_naming_it()
    {
        Refused(Edited(o => o["transaction"]!["amountMills"] = "1000"), "transaction.amountMills");
        Refused(Edited(o => o["ascendingMills"] = "0"), "ascendingMills");
        Refused(Edited(o => o["version"] = "1"), "version");
        // The lenient web defaults would have read it: the refusal is the strict options' doing.
        var lenient = JsonSerializer.Deserialize<SignedRequestJson>(Edited(o => o["transaction"]!["amountMills"] = "1000"),
            new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(1000, lenient.Transaction!.AmountMills);
    }

    [Fact]
    public void A_member_of_the_wrong_type_is_refused_naming_it()
    {
        Refused(Edited(o => o["transaction"]!["amountMills"] = 1000.5), "transaction.amountMills");
        Refused(Edited(o => o["transaction"]!["amountMills"] = true), "transaction.amountMills");
        Refused(Edited(o => o["transaction"]!["kind"] = 7), "transaction.kind");
        Refused(Edited(o => o["transaction"] = "pvd"), "transaction");
        Refused(Edited(o => o["meterId"] = new JsonArray()), "meterId");
        Refused(Edited(o => o["descendingMills"] = null), "descendingMills");
    }

    [Fact]
    public void A_duplicated_member_is_refused_naming_it()
    {
        var json = Json();
        // The second amount is what a lenient reader would keep; a proxy or a log reading the first would disagree.
        var twice = json.Replace("\"amountMills\":1000", "\"amountMills\":1000,\"amountMills\":9000", StringComparison.Ordinal);
        Assert.NotEqual(json, twice);
        Refused(twice, "transaction.amountMills");
        var topTwice = json.Replace("\"version\":1", "\"version\":1,\"version\":1", StringComparison.Ordinal);
        Assert.NotEqual(json, topTwice);
        Refused(topTwice, "version");
    }

    [Fact]
    public void An_unknown_or_differently_cased_member_is_refused_naming_it()
    {
        Refused(Edited(o => o["transaction"]!["amountMils"] = 1000), "transaction.amountMils");
        Refused(Edited(o => o["note"] = "x"), "note");
        Refused(Edited(o =>
        {
            var amount = o["transaction"]!["amountMills"]!.GetValue<long>();
            o["transaction"]!.AsObject().Remove("amountMills");
            o["transaction"]!["AmountMills"] = amount;
        }), "transaction.AmountMills");
    }

    [Fact]
    public void Malformed_JSON_and_null_are_named()
    {
        Assert.Equal(DecodeError.MissingField, Read("null").Error);
        Assert.Equal("body", Read("null").Field);
        Assert.Equal(DecodeError.InvalidField, Read("{\"version\":1,}").Error);
        Assert.Equal(DecodeError.InvalidField, Read("[]").Error);
    }

    private enum Colour
    {
        Red = 0,
        Green = 1,
    }

    private sealed record Painted(Colour Colour);

    [Fact]
    public void An_enum_is_its_name_never_its_number()
    {
        Assert.Equal(Colour.Green, StrictJson.Deserialize<Painted>("{\"colour\":\"Green\"}"u8, StrictJson.Options, out _).Value!.Colour);
        var number = StrictJson.Deserialize<Painted>("{\"colour\":1}"u8, StrictJson.Options, out _);
        Assert.Equal(DecodeError.InvalidField, number.Error);
        Assert.Equal("colour", number.Field);
    }

    [Fact]
    public void Apply_makes_existing_options_strict_and_keeps_one_enum_converter()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        StrictJson.Apply(options);
        Assert.Single(options.Converters);
        var read = StrictJson.Deserialize<SignedRequestJson>(Encoding.UTF8.GetBytes(Edited(o => o["transaction"]!["amountMills"] = "1000")), options, out _);
        Assert.Equal("transaction.amountMills", read.Field);
    }
}
