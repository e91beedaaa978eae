using System.Security.Cryptography;
using System.Text;

namespace VbiOrleans.Abstractions.Commerce;

/// <summary>
/// Purchase ids: <c>pur_</c> and 26 base32 characters of SHA-256 over the customer id and the request's idempotency key,
/// so a retried <c>POST /v1/purchases</c> reaches the same purchase on any silo, and no customer can name another's.
/// </summary>
public static class PurchaseIds
{
    public const string Prefix = "pur_";
    private const int Length = 26;
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string For(string customerId, string idempotencyKey)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{customerId}\n{idempotencyKey}"));
        var id = new StringBuilder(Prefix, Prefix.Length + Length);
        var bits = 0;
        var buffer = 0;
        foreach (var b in digest)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5 && id.Length < Prefix.Length + Length)
            {
                id.Append(Alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        return id.ToString();
    }

    /// <summary>Whether a payment reference has the shape of a purchase id (only the grain knows whether it exists).</summary>
    public static bool IsWellFormed(string? reference) =>
        reference is not null && reference.Length == Prefix.Length + Length && reference.StartsWith(Prefix, StringComparison.Ordinal)
        && reference.AsSpan(Prefix.Length).IndexOfAnyExcept(Alphabet) < 0;
}
