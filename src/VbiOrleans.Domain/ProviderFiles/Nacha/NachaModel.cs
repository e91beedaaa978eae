namespace VbiOrleans.Domain.ProviderFiles.Nacha;

/// <summary>The kind of account an entry moves money in or out of.</summary>
public enum AchAccountType
{
    Checking = 1,
    Savings = 2,
}

/// <summary>Whether an entry takes money from the receiver's account (debit) or puts money in it (credit).</summary>
public enum AchDirection
{
    Debit = 1,
    Credit = 2,
}

/// <summary>A batch's service class: what its entries do.</summary>
public enum NachaServiceClass
{
    /// <summary>200: debits and credits.</summary>
    Mixed = 200,
    /// <summary>220: credits only (the remittance to the postal authority's lockbox).</summary>
    CreditsOnly = 220,
    /// <summary>225: debits only (customers' ACH debits).</summary>
    DebitsOnly = 225,
}

/// <summary>
/// Who sends the file and for whom: the ODFI (our bank) and our company as the originator. Configured as
/// <c>Vbi:Ach:*</c> (AchOptions in the grains); every field is fixed-width in the file and checked by
/// <see cref="NachaWriter"/>.
/// </summary>
public sealed record NachaOriginator(
    // The ODFI's (or ACH operator's) 9-digit routing number: the file header's immediate destination.
    string ImmediateDestination,
    string ImmediateDestinationName,
    // Ours, 10 characters (often "1" + our EIN, or a space + a routing number): the file header's immediate origin.
    string ImmediateOrigin,
    string ImmediateOriginName,
    // Our company name as the receivers' statements show it (16 characters at most).
    string CompanyName,
    // Our company identification, 10 characters (often "1" + EIN).
    string CompanyId,
    // The ODFI's 9-digit routing number; its first 8 digits begin every trace number.
    string OdfiRouting);

/// <summary>
/// One entry detail record. The trace number is the ODFI's 8-digit routing prefix and <see cref="TraceSequence"/>
/// (7 digits), assigned once when the debit is queued, so a return file names the entry for ever.
/// </summary>
public sealed record NachaEntry(
    AchAccountType AccountType,
    // The receiving DFI's 9-digit routing number (8 digits and the check digit).
    string RdfiRouting,
    string AccountNumber,
    long AmountMills,
    // Identification of the receiver at the originator (15 characters at most): our customer id or a reference.
    string IndividualId,
    // The receiver's name (22 characters at most).
    string Name,
    long TraceSequence);

/// <summary>One batch: entries of one direction, one SEC code, one effective date.</summary>
public sealed record NachaBatch(
    AchDirection Direction,
    // PPD (consumer accounts) or CCD (corporate accounts).
    string SecCode,
    // Company entry description on the receiver's statement (10 characters at most): POSTAGE, REMITTANCE.
    string EntryDescription,
    DateOnly EffectiveDate,
    IReadOnlyList<NachaEntry> Entries);

/// <summary>A whole file: everything that goes in it, so the same file spec always gives the same bytes.</summary>
public sealed record NachaFileSpec(
    NachaOriginator Originator,
    DateOnly CreationDate,
    // Creation time (hours and minutes): part of the spec, never the clock, so a file is reproducible.
    TimeOnly CreationTime,
    char FileIdModifier,
    IReadOnlyList<NachaBatch> Batches);

/// <summary>The totals of a file as its file control record states them.</summary>
public sealed record NachaTotals(int BatchCount, int BlockCount, int EntryAndAddendaCount, long EntryHash, long TotalDebitCents, long TotalCreditCents);

/// <summary>A written file: its bytes and totals, and each entry's trace number in order.</summary>
public sealed record NachaFile(byte[] Content, NachaTotals Totals, IReadOnlyList<string> TraceNumbers);
