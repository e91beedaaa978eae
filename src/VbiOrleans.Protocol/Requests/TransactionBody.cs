using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Requests;

/// <summary>The transaction kinds a signed request carries: the money-moving meter commands.</summary>
public static class TransactionKinds
{
    public const string Print = "print";
    public const string PostageValueDownload = "pvd";
    public const string Refund = "refund";
    public const string Withdraw = "withdraw";

    public static readonly IReadOnlyList<string> All = [Print, PostageValueDownload, Refund, Withdraw];
}

/// <summary>
/// The transaction a signed request asks for, in one canonical encoding. Every field is always present, in a fixed
/// order; fields a kind does not use are empty, and the rules below are checked on construction and on decoding, so
/// two different transactions never encode alike and one transaction has one encoding.
/// <code>
/// 0x08 | version | kind (text) | amountMills (i64) | destinationZip (text) | mailClass (text) | itemKind (text)
///      | indiciumId (text) | paymentReference (text) | hasShipment (byte 0/1) [| shipment (<see cref="ShipmentBody"/>)]
/// </code>
/// <list type="table">
/// <item><term>print</term><description>amount = postage &gt; 0; ZIP (1-16), mail class (1-32), item kind (1-32); no indicium id or payment reference; optionally the shipment (addresses, weight, size, extra services), which the module then signs for too</description></item>
/// <item><term>pvd</term><description>amount = value added &gt; 0; payment reference (1-128); nothing else</description></item>
/// <item><term>refund</term><description>amount 0 (the module refunds the indicium's postage); indicium id (1-64); nothing else</description></item>
/// <item><term>withdraw</term><description>amount 0 (the module withdraws the whole DR); nothing else</description></item>
/// </list>
/// Text fields are printable ASCII: one spelling per value, no Unicode normalization question.
/// </summary>
public sealed record TransactionBody
{
    public const int MaxZipLength = 16;
    public const int MaxMailClassLength = 32;
    public const int MaxItemKindLength = 32;
    public const int MaxIndiciumIdLength = 64;
    public const int MaxPaymentReferenceLength = 128;

    private TransactionBody(string kind, long amountMills, string destinationZip, string mailClass, string itemKind, string indiciumId, string paymentReference,
        ShipmentBody? shipment = null)
    {
        Shipment = shipment;
        if (shipment is not null && kind != TransactionKinds.Print) throw new ArgumentException("only a print has a shipment", "shipment");
        Kind = kind;
        AmountMills = amountMills;
        DestinationZip = Fields.Ascii(destinationZip, MaxZipLength, "destinationZip");
        MailClass = Fields.Ascii(mailClass, MaxMailClassLength, "mailClass");
        ItemKind = Fields.Ascii(itemKind, MaxItemKindLength, "itemKind");
        IndiciumId = Fields.Ascii(indiciumId, MaxIndiciumIdLength, "indiciumId");
        PaymentReference = Fields.Ascii(paymentReference, MaxPaymentReferenceLength, "paymentReference");
        switch (kind)
        {
            case TransactionKinds.Print:
                Require(amountMills > 0, "amountMills");
                Require(DestinationZip.Length > 0, "destinationZip");
                Require(MailClass.Length > 0, "mailClass");
                Require(ItemKind.Length > 0, "itemKind");
                Require(IndiciumId.Length == 0, "indiciumId");
                Require(PaymentReference.Length == 0, "paymentReference");
                break;
            case TransactionKinds.PostageValueDownload:
                Require(amountMills > 0, "amountMills");
                Unused(includeZipClassKind: true, indicium: true, payment: false);
                Require(PaymentReference.Length > 0, "paymentReference");
                break;
            case TransactionKinds.Refund:
                Require(amountMills == 0, "amountMills");
                Unused(includeZipClassKind: true, indicium: false, payment: true);
                Require(IndiciumId.Length > 0, "indiciumId");
                break;
            case TransactionKinds.Withdraw:
                Require(amountMills == 0, "amountMills");
                Unused(includeZipClassKind: true, indicium: true, payment: true);
                break;
            default:
                throw new ArgumentException($"the kind is one of {string.Join(", ", TransactionKinds.All)}", "kind");
        }
    }

    public string Kind { get; }
    public long AmountMills { get; }
    public string DestinationZip { get; }
    public string MailClass { get; }
    public string ItemKind { get; }
    public string IndiciumId { get; }
    public string PaymentReference { get; }

    /// <summary>What the print ships, or null for a piece with only its destination ZIP (a letter).</summary>
    public ShipmentBody? Shipment { get; }

    public static TransactionBody Print(long postageMills, string destinationZip, string mailClass, string itemKind = "postage", ShipmentBody? shipment = null) =>
        new(TransactionKinds.Print, postageMills, destinationZip, mailClass, itemKind, "", "", shipment);

    public static TransactionBody PostageValueDownload(long amountMills, string paymentReference) =>
        new(TransactionKinds.PostageValueDownload, amountMills, "", "", "", "", paymentReference);

    public static TransactionBody Refund(string indiciumId) => new(TransactionKinds.Refund, 0, "", "", "", indiciumId, "");

    public static TransactionBody Withdraw() => new(TransactionKinds.Withdraw, 0, "", "", "", "", "");

    /// <summary>Any transaction from its fields; throws <see cref="ArgumentException"/> naming the field that breaks a rule.</summary>
    public static TransactionBody Create(string kind, long amountMills, string? destinationZip = null, string? mailClass = null,
        string? itemKind = null, string? indiciumId = null, string? paymentReference = null, ShipmentBody? shipment = null) =>
        new(kind ?? throw new ArgumentException("a kind is required", nameof(kind)), amountMills, destinationZip ?? "", mailClass ?? "",
            itemKind ?? "", indiciumId ?? "", paymentReference ?? "", shipment);

    public byte[] Encode()
    {
        var w = new WireWriter(128);
        Write(w);
        return w.ToArray();
    }

    internal void Write(WireWriter w)
    {
        w.Header(MessageType.TransactionBody).Text(Kind).I64(AmountMills).Text(DestinationZip).Text(MailClass).Text(ItemKind)
            .Text(IndiciumId).Text(PaymentReference).Byte(Shipment is null ? (byte)0 : (byte)1);
        Shipment?.Write(w);
    }

    public static Decoded<TransactionBody> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() => Read(data));
    }

    internal static TransactionBody Read(byte[] data)
    {
        var r = new WireReader(data);
        r.Header(MessageType.TransactionBody);
        var (kind, amount, zip, mailClass, itemKind, indiciumId, payment) = (r.Text("kind"), r.I64("amountMills"), r.Text("destinationZip"),
            r.Text("mailClass"), r.Text("itemKind"), r.Text("indiciumId"), r.Text("paymentReference"));
        var shipment = r.Byte("hasShipment") switch
        {
            0 => null,
            1 => ShipmentBody.Read(ref r),
            _ => throw WireFormatException.Invalid("hasShipment"),
        };
        var body = new TransactionBody(kind, amount, zip, mailClass, itemKind, indiciumId, payment, shipment);
        r.End();
        return body;
    }

    /// <summary>The JSON form: fields a kind does not use are null.</summary>
    public TransactionBodyJson ToJson() =>
        new(Kind, AmountMills, NullIfEmpty(DestinationZip), NullIfEmpty(MailClass), NullIfEmpty(ItemKind), NullIfEmpty(IndiciumId), NullIfEmpty(PaymentReference),
            Shipment?.ToJson());

    /// <summary>From the JSON form; null and "" both mean "not used".</summary>
    public static Decoded<TransactionBody> FromJson(TransactionBodyJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "transaction");
        return Create(JsonFields.Required(json!.Kind, "kind"), json.AmountMills, json.DestinationZip, json.MailClass, json.ItemKind,
            json.IndiciumId, json.PaymentReference, json.Shipment is null ? null : ShipmentBody.FromJson(json.Shipment));
    });

    private void Unused(bool includeZipClassKind, bool indicium, bool payment)
    {
        if (includeZipClassKind)
        {
            Require(DestinationZip.Length == 0, "destinationZip");
            Require(MailClass.Length == 0, "mailClass");
            Require(ItemKind.Length == 0, "itemKind");
        }
        if (indicium) Require(IndiciumId.Length == 0, "indiciumId");
        if (payment) Require(PaymentReference.Length == 0, "paymentReference");
    }

    private static void Require(bool rule, string field)
    {
        if (!rule) throw new ArgumentException("not allowed for this kind of transaction", field);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

/// <summary>The JSON form of <see cref="TransactionBody"/>.</summary>
public sealed record TransactionBodyJson(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("amountMills")] long AmountMills,
    [property: JsonPropertyName("destinationZip")] string? DestinationZip = null,
    [property: JsonPropertyName("mailClass")] string? MailClass = null,
    [property: JsonPropertyName("itemKind")] string? ItemKind = null,
    [property: JsonPropertyName("indiciumId")] string? IndiciumId = null,
    [property: JsonPropertyName("paymentReference")] string? PaymentReference = null,
    [property: JsonPropertyName("shipment")] ShipmentBodyJson? Shipment = null);
