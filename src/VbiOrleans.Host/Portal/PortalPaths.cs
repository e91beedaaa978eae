namespace VbiOrleans.Host.Portal;

public static class PortalPaths
{
    /// <summary>A return address after log-in: a path on this host only (never another site, never <c>//host</c>), else the fallback.</summary>
    public static string LocalOr(string? returnUrl, string fallback) =>
        returnUrl is { Length: > 1 and <= 512 } && returnUrl[0] == '/' && returnUrl[1] is not '/' and not '\\' && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : fallback;
}
