using System.Text;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Log.Export;

/// <summary>
/// Pseudonyms of customers for the decision-support export: HMAC-SHA256 under the HSM key <see cref="KeyLabel"/>
/// (made on first use, never exportable) of the customer id, so the same customer has the same pseudonym every night
/// and nobody without the HSM can reverse one or compute one from an id they know.
/// </summary>
public sealed class CustomerPseudonyms(IHsm hsm)
{
    public const string KeyLabel = "vbi-dss-pseudonym";
    public const string Prefix = "cp_";

    // A bound on the per-activation cache of pseudonyms: an HSM call per customer, not per record.
    private const int CacheLimit = 100_000;
    private readonly Dictionary<string, string> _cache = new(StringComparer.Ordinal);
    private HsmKey? _key;

    public async Task<string> OfCustomerAsync(string customerId)
    {
        if (_cache.TryGetValue(customerId, out var known)) return known;
        _key ??= await KeyAsync();
        // Domain-separated, so the key could pseudonymize other kinds of id without two kinds ever colliding.
        var mac = await hsm.MacAsync(_key, Encoding.UTF8.GetBytes("vbi-dss-customer|" + customerId));
        var pseudonym = Prefix + Convert.ToHexStringLower(mac.AsSpan(0, 16));
        if (_cache.Count >= CacheLimit) _cache.Clear();
        _cache[customerId] = pseudonym;
        return pseudonym;
    }

    public const string LedgerEntryPrefix = "le_";

    private byte[]? _entryKey;

    /// <summary>
    /// A ledger entry's pseudonym: <c>le_</c> and 16 bytes of HMAC-SHA256 over the entry id under a subkey, itself the
    /// HSM's HMAC of <c>vbi-dss-ledger-entry-key</c> under the same key. A day has many entries: one HSM call per
    /// activation, not one per entry (Key Vault's rate limits); the subkey stays in this silo's memory.
    /// </summary>
    public async Task<string> OfLedgerEntryAsync(string entryId)
    {
        if (_entryKey is null)
        {
            _key ??= await KeyAsync();
            _entryKey = await hsm.MacAsync(_key, Encoding.UTF8.GetBytes("vbi-dss-ledger-entry-key"));
        }
        var mac = System.Security.Cryptography.HMACSHA256.HashData(_entryKey, Encoding.UTF8.GetBytes(entryId));
        return LedgerEntryPrefix + Convert.ToHexStringLower(mac.AsSpan(0, 16));
    }

    private Task<HsmKey> KeyAsync() => hsm.FindOrCreateAsync(KeyLabel, HsmKeyKind.HmacSha256);
}
