using System.Text;

namespace VbiOrleans.Hsm.KeyVault;

/// <summary>
/// The output of <see cref="KeyVaultHsm.WrapAsync"/>: A256GCM ciphertext with the IV and tag the service returned,
/// and the version of the wrapping key that made it, so the blob still unwraps after the key gains new versions.
/// Layout: format (1 byte, 1) | version length (1) | version (ASCII) | IV length (1) | IV | tag length (1) | tag |
/// ciphertext. The version is not secret and needs no authentication: a wrong version names another key version,
/// whose decryption fails.
/// </summary>
internal sealed record WrappedBlob(string KeyVersion, byte[] InitializationVector, byte[] Tag, byte[] Ciphertext)
{
    private const byte Format = 1;

    public byte[] ToBytes()
    {
        var version = Encoding.ASCII.GetBytes(KeyVersion);
        return
        [
            Format,
            checked((byte)version.Length), .. version,
            checked((byte)InitializationVector.Length), .. InitializationVector,
            checked((byte)Tag.Length), .. Tag,
            .. Ciphertext,
        ];
    }

    public static WrappedBlob Parse(ReadOnlySpan<byte> blob)
    {
        var reader = new Reader(blob);
        if (reader.Byte() != Format) throw Malformed();
        var version = Encoding.ASCII.GetString(reader.Field());
        // The version goes into a request path: it must be the bare identifier Key Vault hands out.
        if (version.Length == 0 || !version.All(char.IsAsciiLetterOrDigit)) throw Malformed();
        var iv = reader.Field().ToArray();
        var tag = reader.Field().ToArray();
        return new WrappedBlob(version, iv, tag, reader.Rest().ToArray());
    }

    private static HsmException Malformed() => new("the wrapped key is malformed");

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public byte Byte()
        {
            if (_rest.IsEmpty) throw Malformed();
            var value = _rest[0];
            _rest = _rest[1..];
            return value;
        }

        public ReadOnlySpan<byte> Field()
        {
            int length = Byte();
            if (length == 0 || _rest.Length < length) throw Malformed();
            var field = _rest[..length];
            _rest = _rest[length..];
            return field;
        }

        public readonly ReadOnlySpan<byte> Rest() => _rest;
    }
}
