namespace VbiOrleans.Domain.Addresses;

/// <summary>
/// An address as a customer gives it: either one free-text <see cref="Line"/> ("Jane Roe, 1 Dr Carlton B Goodlett Pl,
/// San Francisco CA 94102") or the fields. Street lines are the delivery address line and, if any, a second line
/// (e.g. the secondary unit), joined in that order.
/// </summary>
public sealed record AddressInput(
    string? Line = null,
    string? Name = null,
    string? Company = null,
    IReadOnlyList<string>? Street = null,
    string? Secondary = null,
    string? City = null,
    string? State = null,
    string? Zip = null)
{
    public static AddressInput OfLine(string line) => new(Line: line);
}

/// <summary>The bounds on what a match request may carry.</summary>
public static class AddressLimits
{
    /// <summary>Characters in the one free-text line.</summary>
    public const int MaxLineLength = 300;
    /// <summary>Characters in any one field (name, company, a street line, secondary, city, state, ZIP).</summary>
    public const int MaxFieldLength = 100;
    /// <summary>Street lines in the fields form.</summary>
    public const int MaxStreetLines = 2;
    /// <summary>Candidates in one answer.</summary>
    public const int MaxCandidates = 5;
    /// <summary>ZIPs offered for one city when the ZIP given is not one of its ZIPs.</summary>
    public const int MaxZipsPerCity = 3;
}

/// <summary>An address in Publication 28 form: upper case, no punctuation, standard abbreviations.</summary>
/// <param name="DeliveryLine">Primary number, predirectional, street name, suffix, postdirectional and secondary unit, or PO BOX n.</param>
/// <param name="Zip">Five digits, or null when none was given and none could be found.</param>
/// <param name="ZipPlus4">The four-digit add-on as given, kept only while the 5-digit ZIP is unchanged (this matcher cannot check it).</param>
public sealed record StandardAddress(string? Name, string? Company, string DeliveryLine, string? City, string? State, string? Zip, string? ZipPlus4)
{
    /// <summary>The last line: "SAN FRANCISCO CA 94102-4689".</summary>
    public string LastLine => string.Join(' ', new[] { City, State, Zip is null ? null : ZipPlus4 is null ? Zip : $"{Zip}-{ZipPlus4}" }.Where(p => p is not null));

    /// <summary>The whole address on one line, as the CLI prints it.</summary>
    public string OneLine => string.Join(", ", new[] { Name, Company, DeliveryLine, LastLine }.Where(p => !string.IsNullOrEmpty(p)));
}

/// <summary>
/// The type of a match, in rank order: a candidate of a lower value ranks first. The order is that of issue 18 and
/// the seed's Address Matching Service: exact; ZIP corrected from city and state; city corrected from ZIP; a close
/// spelling of the city.
/// </summary>
public enum AddressMatchType
{
    /// <summary>The city, state and ZIP agree with each other and with the ZIP data.</summary>
    Exact = 0,
    /// <summary>The city and state are known; the ZIP was missing or is not one of theirs and is replaced by one that is.</summary>
    ZipCorrected = 1,
    /// <summary>The ZIP is known; the city (and the state, if it differed) is the ZIP's.</summary>
    CityCorrected = 2,
    /// <summary>The city is not known in the state; a city spelled closely is.</summary>
    CitySpelling = 3,
}

/// <summary>How one field of a candidate differs from what was given.</summary>
public enum ChangeKind
{
    /// <summary>Same content in Publication 28 form (abbreviations, case aside, punctuation).</summary>
    Standardized,
    /// <summary>A different value.</summary>
    Corrected,
    /// <summary>A value where none was given.</summary>
    Added,
    /// <summary>A value given and dropped (a ZIP+4 whose 5-digit ZIP changed).</summary>
    Removed,
}

/// <summary>One change, for a person: field ("deliveryLine", "city", "state", "zip", "zipPlus4"), from, to, and why.</summary>
public sealed record AddressChange(string Field, ChangeKind Kind, string? From, string? To, string Reason);

/// <summary>A standardized address the matcher offers, its type of match and what changed from what was given.</summary>
public sealed record MatchCandidate(int Rank, AddressMatchType Type, StandardAddress Address, IReadOnlyList<AddressChange> Changes);

/// <summary>
/// What a matcher made of an address: the address as given, standardized (before any correction), and the candidates
/// in rank order. No candidate means the address matches nothing the matcher knows.
/// </summary>
/// <param name="Level">How deep the check went: "zip" (city, state, ZIP) for <see cref="ZipLevelAddressMatcher"/>; a certified provider checks "street" or "delivery-point".</param>
public sealed record AddressMatch(StandardAddress Standardized, IReadOnlyList<MatchCandidate> Candidates, string Level, string Data)
{
    public bool Matched => Candidates.Count > 0;
}

/// <summary>
/// Address matching, the seed's Address Matching Service: standardize an address and offer a ranked list of
/// candidates. <see cref="ZipLevelAddressMatcher"/> checks city, state and ZIP against open ZIP data; a street-level
/// check needs the postal authority's address database, which is not open, so a certified provider plugs in here.
/// Failures of the input (too long, unknown state, malformed ZIP, nothing to match) are named errors; an address
/// that matches nothing is an <see cref="AddressMatch"/> without candidates.
/// </summary>
public interface IAddressMatcher
{
    /// <summary>"zip", "street" or "delivery-point".</summary>
    string Level { get; }

    Errors.Result<AddressMatch> Match(AddressInput input);
}
