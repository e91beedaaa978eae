using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace VbiOrleans.Protocol.Requests;

/// <summary>
/// The result payload a signed response's payload hash covers, so both sides hash the same bytes. A print that
/// executed: the UTF-8 of <c>"{indiciumId}\n{base64 of the indicium bytes}"</c> (the indicium id and bytes exactly as
/// the API returns them). Every other answer: no bytes.
/// </summary>
public static class TransactionPayload
{
    public static byte[] ForIndicium(string indiciumId, ReadOnlySpan<byte> indicium)
    {
        ArgumentException.ThrowIfNullOrEmpty(indiciumId);
        if (indiciumId.Contains('\n')) throw new ArgumentException("an indicium id has no line break", nameof(indiciumId));
        return Encoding.UTF8.GetBytes(indiciumId + "\n" + Convert.ToBase64String(indicium));
    }

    public static bool TryReadIndicium(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out string? indiciumId, [NotNullWhen(true)] out byte[]? indicium)
    {
        indiciumId = null;
        indicium = null;
        var text = Encoding.UTF8.GetString(payload);
        var newline = text.IndexOf('\n');
        if (newline <= 0) return false;
        try
        {
            indicium = Convert.FromBase64String(text[(newline + 1)..]);
        }
        catch (FormatException)
        {
            return false;
        }
        indiciumId = text[..newline];
        return true;
    }
}
