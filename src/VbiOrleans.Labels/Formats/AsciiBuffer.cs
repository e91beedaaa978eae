using System.Buffers;
using System.Globalization;
using System.Text;

namespace VbiOrleans.Labels.Formats;

/// <summary>
/// A growable byte buffer rented from the shared pool, for writers of ASCII formats (PDF, ZPL, SVG): numbers are
/// formatted straight into it with the invariant culture, so a label allocates little more than its final array.
/// Dispose returns the array to the pool.
/// </summary>
internal sealed class AsciiBuffer : IDisposable
{
    /// <summary>Decimals written for a fractional number: a thousandth of a point or dot is far below a printer's dot.</summary>
    private const string FractionFormat = "0.###";

    private byte[] _bytes;

    public AsciiBuffer(int capacity)
    {
        _bytes = ArrayPool<byte>.Shared.Rent(capacity);
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, Length);

    public AsciiBuffer Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        Length += bytes.Length;
        return this;
    }

    /// <summary>ASCII text; anything else is a writer's bug, and is refused rather than written as a wrong byte.</summary>
    public AsciiBuffer Append(string text)
    {
        var span = Reserve(text.Length);
        if (Ascii.FromUtf16(text, span, out int written) != OperationStatus.Done)
        {
            throw new ArgumentException($"'{text}' is not ASCII", nameof(text));
        }

        Length += written;
        return this;
    }

    public AsciiBuffer Append(char c) => Append((byte)c);

    public AsciiBuffer Append(byte b)
    {
        Reserve(1)[0] = b;
        Length++;
        return this;
    }

    public AsciiBuffer Append(int value)
    {
        value.TryFormat(Reserve(11), out int written, default, CultureInfo.InvariantCulture);
        Length += written;
        return this;
    }

    public AsciiBuffer Append(long value)
    {
        value.TryFormat(Reserve(20), out int written, default, CultureInfo.InvariantCulture);
        Length += written;
        return this;
    }

    /// <summary>At most three decimals (or <paramref name="format"/>'s), no trailing zeros, no exponent ("12.5", "0.355", "432").</summary>
    public AsciiBuffer Append(double value, string format = FractionFormat)
    {
        if (!value.TryFormat(Reserve(32), out int written, format, CultureInfo.InvariantCulture))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "too large for a label coordinate");
        }

        Length += written;
        return this;
    }

    /// <summary>An integer padded with zeros to <paramref name="digits"/> (the PDF cross-reference table's offsets).</summary>
    public AsciiBuffer AppendPadded(int value, int digits)
    {
        var span = Reserve(digits);
        for (int i = digits - 1; i >= 0; i--)
        {
            span[i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        Length += digits;
        return this;
    }

    /// <summary>Bytes as upper-case hexadecimal digits.</summary>
    public AsciiBuffer AppendHex(ReadOnlySpan<byte> bytes)
    {
        var span = Reserve(bytes.Length * 2);
        for (int i = 0; i < bytes.Length; i++)
        {
            span[2 * i] = Hex[bytes[i] >> 4];
            span[(2 * i) + 1] = Hex[bytes[i] & 0xF];
        }

        Length += bytes.Length * 2;
        return this;
    }

    /// <summary>Appends a copy of <paramref name="count"/> bytes already written from <paramref name="start"/>.</summary>
    public AsciiBuffer AppendCopy(int start, int count)
    {
        var target = Reserve(count);
        _bytes.AsSpan(start, count).CopyTo(target);
        Length += count;
        return this;
    }

    public byte[] ToArray() => Written.ToArray();

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_bytes);
        _bytes = [];
        Length = 0;
    }

    private static ReadOnlySpan<byte> Hex => "0123456789ABCDEF"u8;

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _bytes.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_bytes.Length * 2, Length + count));
            _bytes.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = larger;
        }

        return _bytes.AsSpan(Length, count);
    }
}
