namespace VbiOrleans.Protocol.Wire;

/// <summary>Reads the fields of the JSON forms: base64 (standard alphabet, padded) for bytes; missing fields are named.</summary>
internal static class JsonFields
{
    public static string Base64(ReadOnlyMemory<byte> bytes) => Convert.ToBase64String(bytes.Span);

    public static byte[] Bytes(string? base64, string field, int? size = null)
    {
        if (base64 is null) throw new WireFormatException(DecodeError.MissingField, field);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw WireFormatException.Invalid(field);
        }
        // One value, one text: refuse whitespace or other spellings that decode to the same bytes.
        if (Convert.ToBase64String(bytes) != base64 || (size is { } s && bytes.Length != s)) throw WireFormatException.Invalid(field);
        return bytes;
    }

    public static T Required<T>(T? value, string field)
        where T : class => value ?? throw new WireFormatException(DecodeError.MissingField, field);

    public static void Version(int version)
    {
        if (version != ProtocolConstants.Version) throw new WireFormatException(DecodeError.UnsupportedVersion, "version");
    }
}
