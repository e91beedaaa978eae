namespace VbiOrleans.Client;

public sealed partial class VbiClient
{
    // ---- addresses -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Matches an address given as one line ("Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102"): the
    /// candidates ranked by type of match. An address that matches nothing throws <see cref="VbiApiException"/> with
    /// <see cref="VbiErrorCodes.AddressNotMatched"/> (422; its <c>standardized</c> extension is the address as read).
    /// Needs a customer token or a partner.
    /// </summary>
    public Task<AddressMatchResult> MatchAddressAsync(string line, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(line);
        return SendAsync(HttpMethod.Post, "v1/addresses/match", new { line }, Credentials.Customer, null, ReadSuccessAsync<AddressMatchResult>, cancellationToken);
    }

    /// <summary>Matches an address given as fields; see <see cref="MatchAddressAsync(string, CancellationToken)"/>.</summary>
    public Task<AddressMatchResult> MatchAddressAsync(AddressFields address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var body = new
        {
            name = address.Name,
            company = address.Company,
            street = address.Street,
            secondary = address.Secondary,
            city = address.City,
            state = address.State,
            zip = address.Zip,
        };
        return SendAsync(HttpMethod.Post, "v1/addresses/match", body, Credentials.Customer, null, ReadSuccessAsync<AddressMatchResult>, cancellationToken);
    }
}
