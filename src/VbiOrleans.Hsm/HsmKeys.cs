namespace VbiOrleans.Hsm;

public static class HsmKeys
{
    /// <summary>
    /// The key with this label, made on first use. Silos starting together may both try to make it: the one that loses
    /// finds the other's; if none is there the HSM's own error stands.
    /// </summary>
    public static async Task<HsmKey> FindOrCreateAsync(this IHsm hsm, string label, HsmKeyKind kind)
    {
        if (await hsm.FindKeyAsync(label) is { } found) return found;
        try
        {
            return await hsm.GenerateKeyAsync(label, kind);
        }
        catch (HsmException)
        {
            if (await hsm.FindKeyAsync(label) is { } raced) return raced;
            throw;
        }
    }
}
