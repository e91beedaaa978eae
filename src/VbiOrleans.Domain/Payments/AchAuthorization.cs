using System.Security.Cryptography;
using System.Text;

namespace VbiOrleans.Domain.Payments;

/// <summary>
/// The text a customer accepts before a bank account is debited by ACH (a PPD debit needs the consumer's written
/// authorization, NACHA rules; kept two years after it ends). Each version's text is fixed once published: the
/// record of an acceptance keeps the version and the SHA-256 of the exact text, so what was agreed to can be shown.
/// </summary>
public static class AchAuthorization
{
    public const string CurrentVersion = "2026-12";

    private static readonly Dictionary<string, string> Texts = new(StringComparer.Ordinal)
    {
        ["2026-12"] =
            "I authorize VbiOrleans to debit the bank account I give here by ACH for each postage purchase and each invoice I make, "
            + "in the amount of that purchase or invoice, on or after the day I make it, and to credit the account to correct an error. "
            + "This authorization stays in effect until I remove the account from my payment methods, in time for VbiOrleans to act on it. "
            + "A debit my bank returns may lock my account for new postage until it is paid.",
    };

    public static string CurrentText => Texts[CurrentVersion];

    public static string? TextOf(string version) => Texts.GetValueOrDefault(version);

    public static byte[] Sha256Of(string version) => SHA256.HashData(Encoding.UTF8.GetBytes(Texts[version]));
}
