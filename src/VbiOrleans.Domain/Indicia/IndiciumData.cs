using System.Buffers.Binary;
using System.Text;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Indicia;

public enum ItemKind : byte
{
    Postage = 1,
    Ticket = 2,
    Coupon = 3,
    Voucher = 4,
    GiftCertificate = 5,
}

/// <summary>
/// The signed content of an indicium, format version 1 (our own format: the USPS IBI byte table is not public).
/// Layout, big-endian, every string ASCII with a one-byte length:
/// version (1) | algorithm (1 = ECDSA P-256 over SHA-256) | item kind (1) | certificate serial | vendor id | model |
/// device serial | AR after the print (8, mills) | postage (8, mills) | date of mailing (4, yyyymmdd) |
/// licensing ZIP | destination ZIP | mail class | piece counter (8) | software id | DR after the print (8, mills)
/// -- then the 64-byte signature (raw r||s) over all the bytes before it.
/// </summary>
public sealed record IndiciumData(
    ItemKind Kind,
    string CertificateSerial,
    DeviceId Device,
    Mills AscendingAfter,
    Mills Postage,
    DateOnly DateOfMailing,
    string LicensingZip,
    string DestinationZip,
    string MailClass,
    long PieceCounter,
    string SoftwareId,
    Mills DescendingAfter)
{
    public const byte FormatVersion = 1;
    public const byte AlgorithmEcdsaP256Sha256 = 1;
    public const int SignatureLength = 64;

    public byte[] Encode()
    {
        var buffer = new List<byte>(128) { FormatVersion, AlgorithmEcdsaP256Sha256, (byte)Kind };
        void Text(string s)
        {
            var bytes = Encoding.ASCII.GetBytes(s);
            if (bytes.Length > 255 || s.Any(c => c > 126 || c < 32)) throw new ArgumentException($"'{s}' is not short printable ASCII");
            buffer.Add((byte)bytes.Length);
            buffer.AddRange(bytes);
        }
        void Long(long v)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64BigEndian(b, v);
            buffer.AddRange(b.ToArray());
        }
        Text(CertificateSerial);
        Text(Device.VendorId);
        Text(Device.Model);
        Text(Device.Serial);
        Long(AscendingAfter.Value);
        Long(Postage.Value);
        Span<byte> date = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(date, DateOfMailing.Year * 10000 + DateOfMailing.Month * 100 + DateOfMailing.Day);
        buffer.AddRange(date.ToArray());
        Text(LicensingZip);
        Text(DestinationZip.Replace("-", "", StringComparison.Ordinal));
        Text(MailClass);
        Long(PieceCounter);
        Text(SoftwareId);
        Long(DescendingAfter.Value);
        return [.. buffer];
    }

    /// <summary>Splits signed indicium bytes into data and signature and decodes the data.</summary>
    public static Result<(IndiciumData Data, byte[] SignedBytes, byte[] Signature)> Decode(ReadOnlySpan<byte> indicium)
    {
        if (indicium.Length < 3 + SignatureLength) return Malformed("too short");
        var signed = indicium[..^SignatureLength].ToArray();
        var signature = indicium[^SignatureLength..].ToArray();
        try
        {
            var at = 0;
            var s = signed;
            byte Byte() => s[at++];
            string Text()
            {
                int n = s[at++];
                var t = Encoding.ASCII.GetString(s, at, n);
                at += n;
                return t;
            }
            long Long()
            {
                var v = BinaryPrimitives.ReadInt64BigEndian(s.AsSpan(at, 8));
                at += 8;
                return v;
            }
            if (Byte() != FormatVersion) return Malformed("unknown format version");
            if (Byte() != AlgorithmEcdsaP256Sha256) return Malformed("unknown signature algorithm");
            var kind = (ItemKind)Byte();
            if (!Enum.IsDefined(kind)) return Malformed("unknown item kind");
            var serial = Text();
            var device = new DeviceId(Text(), Text(), Text());
            var ar = Long();
            var postage = Long();
            var ymd = BinaryPrimitives.ReadInt32BigEndian(s.AsSpan(at, 4));
            at += 4;
            var date = new DateOnly(ymd / 10000, ymd / 100 % 100, ymd % 100);
            var data = new IndiciumData(kind, serial, device, new Mills(ar), new Mills(postage), date, Text(), Text(), Text(), Long(), Text(), new Mills(Long()));
            if (at != s.Length) return Malformed("trailing bytes");
            return (data, signed, signature);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or ArgumentException)
        {
            return Malformed("truncated");
        }
    }

    private static DomainError Malformed(string why) => new(ErrorCode.ValidationFailed, $"the indicium is malformed: {why}");
}
