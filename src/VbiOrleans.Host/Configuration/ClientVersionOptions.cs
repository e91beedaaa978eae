namespace VbiOrleans.Host.Configuration;

/// <summary>
/// The section <c>Vbi:Clients</c>: the client versions the server publishes (<c>GET /v1/client/versions</c>) and
/// enforces, read once at start. Versions are MAJOR.MINOR.PATCH[-prerelease].
/// </summary>
public sealed class ClientVersionOptions
{
    public const string Section = "Vbi:Clients";

    /// <summary>The newest SDK and CLI; the CLI tells its user when it is older. Default: this server's own version.</summary>
    public string? Latest { get; set; }

    /// <summary>The oldest SDK and CLI still served; an older one gets 426 ClientUpgradeRequired. Default: 0.0.0 (all).</summary>
    public string? Minimum { get; set; }
}
