namespace VbiOrleans.Protocol.Wire;

/// <summary>Thrown by <see cref="WireReader"/> and the field checks; turned into a <see cref="Decoded{T}"/> failure at the edge.</summary>
internal sealed class WireFormatException(DecodeError error, string field)
    : Exception($"{error} in {field}")
{
    public DecodeError Error { get; } = error;
    public string Field { get; } = field;

    public static WireFormatException Invalid(string field) => new(DecodeError.InvalidField, field);

    public static Decoded<T> Catch<T>(Func<T> decode)
        where T : class
    {
        try
        {
            return Decoded<T>.Ok(decode());
        }
        catch (WireFormatException e)
        {
            return Decoded<T>.Fail(e.Error, e.Field);
        }
        catch (ArgumentException e)
        {
            // The constructors check every field; a decoded value they refuse is an invalid field.
            return Decoded<T>.Fail(DecodeError.InvalidField, e.ParamName ?? "value");
        }
    }
}
