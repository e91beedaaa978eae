namespace VbiOrleans.Client;

/// <summary>An address as fields for <see cref="VbiClient.MatchAddressAsync(AddressFields, CancellationToken)"/>; <c>Street</c> has at most two lines.</summary>
public sealed record AddressFields(IReadOnlyList<string> Street, string? City = null, string? State = null, string? Zip = null, string? Name = null,
    string? Company = null, string? Secondary = null);

/// <summary>An address in Publication 28 form (upper case, standard abbreviations, no punctuation).</summary>
public sealed record StandardAddress(string? Name, string? Company, string DeliveryLine, string? City, string? State, string? Zip, string? ZipPlus4,
    string LastLine)
{
    /// <summary>The whole address on one line.</summary>
    public string OneLine => string.Join(", ", new[] { Name, Company, DeliveryLine, LastLine }.Where(p => !string.IsNullOrEmpty(p)));
}

/// <summary>How one field of a candidate differs from what was given. <c>Kind</c>: Standardized, Corrected, Added, Removed.</summary>
public sealed record AddressChange(string Field, string Kind, string? From, string? To, string Reason);

/// <summary>A candidate address. <c>Type</c>, in rank order: Exact, ZipCorrected, CityCorrected, CitySpelling.</summary>
public sealed record AddressCandidate(int Rank, string Type, StandardAddress Address, IReadOnlyList<AddressChange> Changes);

/// <summary>
/// The answer of <c>POST /v1/addresses/match</c>: the address standardized as given and the candidates, best first.
/// <c>Level</c> says how deep the check went ("zip": city, state and ZIP; not whether the street exists).
/// </summary>
public sealed record AddressMatchResult(string Level, string Data, StandardAddress Standardized, IReadOnlyList<AddressCandidate> Candidates);
