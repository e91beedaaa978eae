namespace VbiOrleans.Domain.ProviderFiles.Nacha;

/// <summary>A return reason code (R01, R02, …) and what it means.</summary>
public sealed record AchReturnReason(string Code, string Title, bool Unauthorized);

/// <summary>
/// The return reason codes of the NACHA rules that an RDFI uses to return a consumer or corporate debit. Every
/// return of one of our debits is acted on the same way (the debit returned, the ledger reversed, the account
/// locked until paid); <see cref="AchReturnReason.Unauthorized"/> marks the codes a receiver may use up to 60 days
/// later, which customer care treats as a dispute rather than a bounce.
/// </summary>
public static class AchReturnReasons
{
    public static readonly IReadOnlyList<AchReturnReason> All =
    [
        new("R01", "Insufficient funds", false),
        new("R02", "Account closed", false),
        new("R03", "No account / unable to locate account", false),
        new("R04", "Invalid account number structure", false),
        new("R05", "Unauthorized debit to consumer account using corporate SEC code", true),
        new("R06", "Returned per ODFI's request", false),
        new("R07", "Authorization revoked by customer", true),
        new("R08", "Payment stopped", false),
        new("R09", "Uncollected funds", false),
        new("R10", "Customer advises originator is not known or not authorized to debit the account", true),
        new("R11", "Customer advises entry not in accordance with the terms of the authorization", true),
        new("R12", "Account sold to another DFI", false),
        new("R13", "Invalid ACH routing number", false),
        new("R14", "Representative payee deceased or unable to continue in that capacity", false),
        new("R15", "Beneficiary or account holder deceased", false),
        new("R16", "Account frozen / entry returned per OFAC instruction", false),
        new("R17", "File record edit criteria / entry with invalid account number initiated under questionable circumstances", false),
        new("R20", "Non-transaction account", false),
        new("R23", "Credit entry refused by receiver", false),
        new("R24", "Duplicate entry", false),
        new("R29", "Corporate customer advises not authorized", true),
        new("R31", "Permissible return entry (CCD and CTX only)", false),
    ];

    private static readonly Dictionary<string, AchReturnReason> ByCode = All.ToDictionary(r => r.Code, StringComparer.Ordinal);

    /// <summary>The reason with this code, or null for a code not in the table (still acted on; its code is kept).</summary>
    public static AchReturnReason? Find(string code) => ByCode.GetValueOrDefault(code);

    /// <summary>A return reason code as the addenda record carries it: R and two digits.</summary>
    public static bool IsWellFormed(string code) => code is ['R', var a, var b] && char.IsAsciiDigit(a) && char.IsAsciiDigit(b);
}
