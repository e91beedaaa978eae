using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Domain.Crypto;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Meters;

/// <summary>
/// The sealed form of a PSD package: what the postal store holds.
/// <code>
/// "VPSD" | version (1) | meter id | sequence | data key token        -- header, clear
/// state, registers, totals, device id, certificate serial, ZIP,       -- body, clear
///   indicium key token, last transaction time, last challenge,
///   key expiry, state before inhibit, inhibit reason
/// nonce (12) | AES-256-GCM(user secrets, passphrase repetition list) | tag (16)
/// HMAC-SHA256 over every byte above (32)
/// </code>
/// The data key is the meter's own AES key, stored only wrapped by the module master key (the data key token).
/// Two keys are derived from it with HKDF-SHA256 (<see cref="PsdPackageKeys"/>): one encrypts the secrets (AAD = meter id and sequence), one
/// authenticates the whole package. So a package edited anywhere, or copied to another meter's row, fails to
/// unseal; a replayed older package of the same meter unseals, and the checkpoint compare catches it (I5).
/// Integers are little-endian; strings are UTF-8 with a 32-bit length; absent values have length -1.
/// </summary>
public static class PsdPackageCodec
{
    private static ReadOnlySpan<byte> Magic => "VPSD"u8;
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int MacSize = 32;

    public static byte[] Seal(PsdPackage p, ReadOnlySpan<byte> dataKey)
    {
        using var keys = PsdPackageKeys.Derive(dataKey);
        return Seal(p, keys);
    }

    public static byte[] Seal(PsdPackage p, PsdPackageKeys keys)
    {
        var w = new Writer();
        w.Raw(Magic);
        w.Byte(Version);
        w.String(p.MeterId.Value);
        w.Long(p.Sequence);
        w.Bytes(p.DataKeyToken);

        w.Byte((byte)p.State);
        w.Long(p.Registers.Ascending.Value);
        w.Long(p.Registers.Descending.Value);
        w.Long(p.Registers.PieceCount);
        w.Long(p.Totals.TotalDownloaded.Value);
        w.Long(p.Totals.TotalWithdrawn.Value);
        w.Long(p.Totals.TotalRefunded.Value);
        w.String(p.DeviceId.VendorId);
        w.String(p.DeviceId.Model);
        w.String(p.DeviceId.Serial);
        w.String(p.CertificateSerial);
        w.String(p.LicensingZip);
        w.Bytes(p.IndiciumKeyToken);
        w.Time(p.LastTransactionAt);
        w.Bytes(p.LastChallenge);
        w.Time(p.KeyExpiry.IndiciumKeyExpires);
        w.Time(p.KeyExpiry.CertificateExpires);
        w.Byte((byte)(p.StateBeforeInhibit ?? 0));
        w.String(p.InhibitReason);

        var secrets = new Writer();
        secrets.Bytes(p.UserSecrets?.Hmk);
        secrets.Bytes(p.UserSecrets?.PasswordVerifier);
        secrets.Int(p.PassphraseRepetitionList.Count);
        foreach (var entry in p.PassphraseRepetitionList) secrets.Bytes(entry);
        var plain = secrets.ToArray();

        var nonce = RandomNonces.Next(NonceSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[TagSize];
        keys.Encrypt(nonce, plain, cipher, tag, SecretsAad(p.MeterId, p.Sequence));
        CryptographicOperations.ZeroMemory(plain);
        w.Raw(nonce);
        w.Bytes(cipher);
        w.Raw(tag);

        var body = w.ToArray();
        var sealedBytes = new byte[body.Length + MacSize];
        body.CopyTo(sealedBytes, 0);
        keys.Mac(body, sealedBytes.AsSpan(body.Length));
        return sealedBytes;
    }

    /// <summary>The header fields, readable without any key: enough to route and to detect a swapped row.</summary>
    public sealed record Header(MeterId MeterId, long Sequence, byte[] DataKeyToken);

    public static Result<Header> ReadHeader(ReadOnlySpan<byte> sealedBytes)
    {
        try
        {
            var r = new Reader(sealedBytes);
            if (!r.Raw(4).SequenceEqual(Magic) || r.Byte() != Version) return Tampered("unknown package format");
            if (!MeterId.TryParse(r.String(), out var id)) return Tampered("the package's meter id is malformed");
            return new Header(id.Value, r.Long(), r.Bytes() ?? throw new FormatException());
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            return Tampered("the package is truncated or malformed");
        }
    }

    /// <summary>
    /// Opens a sealed package of <paramref name="expected"/> with its data key (the caller unwrapped the header's
    /// data key token in the HSM). Any edit gives <see cref="ErrorCode.PackageTampered"/>; another meter's package
    /// gives <see cref="ErrorCode.PackageMeterMismatch"/>.
    /// </summary>
    public static Result<PsdPackage> Unseal(ReadOnlySpan<byte> sealedBytes, MeterId expected, ReadOnlySpan<byte> dataKey)
    {
        using var keys = PsdPackageKeys.Derive(dataKey);
        return Unseal(sealedBytes, expected, keys);
    }

    /// <summary>As <see cref="Unseal(ReadOnlySpan{byte}, MeterId, ReadOnlySpan{byte})"/>, with the keys derived from the data key already.</summary>
    public static Result<PsdPackage> Unseal(ReadOnlySpan<byte> sealedBytes, MeterId expected, PsdPackageKeys keys)
    {
        var header = ReadHeader(sealedBytes);
        if (!header.IsSuccess) return header.Error;
        if (header.Value.MeterId != expected)
            return new DomainError(ErrorCode.PackageMeterMismatch, $"the postal store holds meter {header.Value.MeterId}'s package in meter {expected}'s row");
        if (sealedBytes.Length < MacSize) return Tampered("the package is truncated");

        var body = sealedBytes[..^MacSize];
        Span<byte> mac = stackalloc byte[MacSize];
        keys.Mac(body, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, sealedBytes[^MacSize..]))
            return Tampered($"meter {expected}'s package fails its authentication");

        try
        {
            var r = new Reader(body);
            r.Raw(4); r.Byte(); r.String();
            var sequence = r.Long();
            var dataKeyToken = r.Bytes()!;
            var state = (MeterState)r.Byte();
            var registers = new Registers(new Mills(r.Long()), new Mills(r.Long()), r.Long());
            var totals = new MeterTotals(new Mills(r.Long()), new Mills(r.Long()), new Mills(r.Long()));
            var device = new DeviceId(r.String()!, r.String()!, r.String()!);
            var certificateSerial = r.String()!;
            var zip = r.String();
            var keyToken = r.Bytes()!;
            var lastAt = r.Time();
            var challenge = r.Bytes();
            var expiry = new KeyExpiry(r.Time()!.Value, r.Time()!.Value);
            var before = r.Byte();
            var reason = r.String();
            var nonce = r.Raw(NonceSize);
            var cipher = r.Bytes()!;
            var tag = r.Raw(TagSize);
            if (!r.AtEnd) return Tampered("trailing bytes in the package");

            var plain = new byte[cipher.Length];
            keys.Decrypt(nonce, cipher, tag, plain, SecretsAad(expected, sequence));
            var s = new Reader(plain);
            var hmk = s.Bytes();
            var verifier = s.Bytes();
            var count = s.Int();
            var repetition = new List<byte[]>(count);
            for (var i = 0; i < count; i++) repetition.Add(s.Bytes()!);

            return new PsdPackage(expected, sequence, state, registers, totals, device, certificateSerial, zip, keyToken,
                dataKeyToken, hmk is null ? null : new UserSecrets(hmk, verifier ?? []), lastAt, challenge, expiry,
                repetition, before == 0 ? null : (MeterState)before, reason);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException or IndexOutOfRangeException or AuthenticationTagMismatchException)
        {
            return Tampered($"meter {expected}'s package is malformed");
        }
    }

    private static DomainError Tampered(string message) => new(ErrorCode.PackageTampered, message);

    private static byte[] SecretsAad(MeterId meterId, long sequence) => Encoding.UTF8.GetBytes($"vbi-psd-secrets|{meterId}|{sequence}");

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void Raw(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);
        public void Byte(byte b) => _stream.WriteByte(b);

        public void Int(int value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
            _stream.Write(buffer);
        }

        public void Long(long value)
        {
            Span<byte> buffer = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
            _stream.Write(buffer);
        }

        public void Bytes(byte[]? value)
        {
            Int(value?.Length ?? -1);
            if (value is not null) _stream.Write(value);
        }

        public void String(string? value) => Bytes(value is null ? null : Encoding.UTF8.GetBytes(value));

        public void Time(DateTimeOffset? value) => Long(value?.UtcTicks ?? long.MinValue);

        public byte[] ToArray() => _stream.ToArray();
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public ReadOnlySpan<byte> Raw(int count)
        {
            if (count < 0 || _position + count > _data.Length) throw new FormatException("truncated");
            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }

        public byte Byte() => Raw(1)[0];
        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Raw(4));
        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Raw(8));

        public byte[]? Bytes()
        {
            var length = Int();
            if (length == -1) return null;
            if (length < -1 || length > 1 << 20) throw new FormatException("bad length");
            return Raw(length).ToArray();
        }

        public string? String() => Bytes() is { } b ? Encoding.UTF8.GetString(b) : null;

        public DateTimeOffset? Time()
        {
            var ticks = Long();
            if (ticks == long.MinValue) return null;
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) throw new FormatException("bad time");
            return new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }
}
