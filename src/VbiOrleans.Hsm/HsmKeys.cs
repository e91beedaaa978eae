namespace VbiOrleans.Hsm;

public static class HsmKeys
{
    /// <summary>
    /// The key with this label, made on first use. Processes starting together may both try to make it: the one that
    /// loses finds the other's. A look-up that fails while another process is still writing the key (a pair's public
    /// half already on the token, its private half not yet) is answered by the attempt to make it, which waits for
    /// that writer; if the label is truly unusable, the HSM's own error stands.
    /// </summary>
    public static async Task<HsmKey> FindOrCreateAsync(this IHsm hsm, string label, HsmKeyKind kind)
    {
        try
        {
            if (await hsm.FindKeyAsync(label) is { } found) return found;
        }
        catch (HsmException)
        {
            // Possibly half-written by another process: try to make it, which waits for that process and then finds it.
        }
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
