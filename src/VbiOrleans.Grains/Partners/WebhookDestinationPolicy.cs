using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Grains.Partners;

/// <summary>The section <c>Vbi:Webhooks</c>, destination part: where webhooks may go besides the public internet.</summary>
public sealed class WebhookDestinationOptions
{
    public const string Section = WebhookOptions.Section;

    /// <summary>
    /// Hosts, as written in a webhook URL (a name or an IP literal, case-insensitive), that webhooks may reach whatever
    /// they are or resolve to: an operator's explicit exception for a receiver inside the deployment's network.
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Loopback destinations (127.0.0.0/8, ::1, <c>localhost</c>): allowed in the Local profile unless set to false,
    /// refused in the Cluster profile unless set to true. Unset means the profile's default.
    /// </summary>
    public bool? AllowLoopback { get; set; }
}

/// <summary>What kind of place an address or host name leads to; only <see cref="Public"/> is a partner's receiver.</summary>
public enum DestinationClass
{
    Public,
    Loopback,
    /// <summary>10/8, 172.16/12, 192.168/16, fc00::/7 (and the deprecated site-local fec0::/10).</summary>
    Private,
    /// <summary>169.254/16 (the cloud metadata service 169.254.169.254 among them), fe80::/10.</summary>
    LinkLocal,
    /// <summary>0.0.0.0 and ::, which connect to this machine.</summary>
    Unspecified,
    /// <summary>100.64/10, carrier-grade NAT (RFC 6598).</summary>
    SharedAddressSpace,
    Multicast,
    Broadcast,
    /// <summary>0/8, 240/4, the IETF and documentation and benchmarking ranges, 2001:db8::/32, 100::/64: nothing a receiver has.</summary>
    Reserved,
    /// <summary>A name that only a local resolver answers: one label (<c>postgres</c>), or .local, .internal, .localdomain, .home.arpa.</summary>
    LocalName,
}

/// <summary>
/// Which webhook destinations are refused, so that a partner cannot make the service send requests into its own
/// network (server-side request forgery): loopback, private, link-local, unspecified, shared (CGNAT), multicast,
/// broadcast and reserved addresses, the same addresses written as IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6,
/// and names such as <c>localhost</c>. Checked twice: on the URL when a partner registers it
/// (<see cref="CheckUrl"/>), and on every address its host resolves to when a delivery connects
/// (<see cref="CheckResolved"/>, through <see cref="WebhookHttp"/>), because a name can be made to resolve inward later.
/// </summary>
public sealed class WebhookDestinationPolicy(IOptions<WebhookDestinationOptions> options)
{
    private static readonly string[] LocalSuffixes = [".local", ".localdomain", ".internal", ".home.arpa"];

    private readonly HashSet<string> _allowedHosts = new(options.Value.AllowedHosts.Select(Normalize), StringComparer.OrdinalIgnoreCase);

    private bool LoopbackAllowed => options.Value.AllowLoopback == true;

    /// <summary>Null when webhooks may be registered for the URL's host; otherwise why not (for the partner).</summary>
    public string? CheckUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return "the webhook URL is not an absolute URL";
        var host = HostOf(uri);
        if (IsAllowedHost(host)) return null;
        var destination = IPAddress.TryParse(host, out var address) ? Classify(address) : ClassifyName(host);
        return Refused(destination) ? Describe(host, destination) : null;
    }

    /// <summary>
    /// Null when a delivery to <paramref name="host"/> may connect to every one of <paramref name="addresses"/> (what
    /// the host resolved to); otherwise why not. One inward address refuses them all: a resolver that answers with a
    /// public and a private address could otherwise steer the connection to either.
    /// </summary>
    public string? CheckResolved(string host, IReadOnlyList<IPAddress> addresses)
    {
        host = Normalize(host);
        if (IsAllowedHost(host)) return null;
        if (!IPAddress.TryParse(host, out _) && ClassifyName(host) is var named && Refused(named)) return Describe(host, named);
        if (addresses.Count == 0) return $"the webhook host {host} resolved to no address";
        foreach (var address in addresses)
        {
            var destination = Classify(address);
            if (Refused(destination)) return $"the webhook host {host} resolved to {address}, {Article(destination)} address; webhooks go to public addresses only ({WebhookDestinationOptions.Section}:AllowedHosts lists exceptions)";
        }
        return null;
    }

    public bool IsAllowedHost(string host) => _allowedHosts.Contains(Normalize(host));

    /// <summary>The URL's host as a name or an address literal (IPv6 without brackets), without a trailing dot.</summary>
    public static string HostOf(Uri uri) => Normalize(uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.IdnHost);

    public static DestinationClass Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return ClassifyV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return DestinationClass.Reserved;
        var b = address.GetAddressBytes();
        // The forms that carry an IPv4 address lead wherever that address leads.
        if (address.IsIPv4MappedToIPv6) return ClassifyV4(b[12..]);
        if (b[..12].All(x => x == 0))
        {
            if (b[12..15].All(x => x == 0) && b[15] <= 1) return b[15] == 0 ? DestinationClass.Unspecified : DestinationClass.Loopback;
            return ClassifyV4(b[12..]); // IPv4-compatible (::a.b.c.d, deprecated)
        }
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return ClassifyV4(b[12..]); // NAT64 64:ff9b::/96 and 64:ff9b:1::/48
        if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(b[2..6]); // 6to4 2002::/16
        if (b[0] == 0xff) return DestinationClass.Multicast;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return DestinationClass.LinkLocal;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return DestinationClass.Private; // site-local, deprecated
        if ((b[0] & 0xfe) == 0xfc) return DestinationClass.Private; // unique local
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return DestinationClass.Reserved; // documentation
        if (b[0] == 0x01 && b[1..8].All(x => x == 0)) return DestinationClass.Reserved; // discard-only 100::/64
        return DestinationClass.Public;
    }

    private static DestinationClass ClassifyV4(byte[] b) => (b[0], b[1], b[2], b[3]) switch
    {
        (0, 0, 0, 0) => DestinationClass.Unspecified,
        (0, _, _, _) => DestinationClass.Reserved,
        (127, _, _, _) => DestinationClass.Loopback,
        (10, _, _, _) => DestinationClass.Private,
        (172, >= 16 and <= 31, _, _) => DestinationClass.Private,
        (192, 168, _, _) => DestinationClass.Private,
        (169, 254, _, _) => DestinationClass.LinkLocal,
        (100, >= 64 and <= 127, _, _) => DestinationClass.SharedAddressSpace,
        (255, 255, 255, 255) => DestinationClass.Broadcast,
        (>= 224 and <= 239, _, _, _) => DestinationClass.Multicast,
        (>= 240, _, _, _) => DestinationClass.Reserved,
        (192, 0, 0 or 2, _) or (198, 51, 100, _) or (203, 0, 113, _) or (198, 18 or 19, _, _) => DestinationClass.Reserved,
        _ => DestinationClass.Public,
    };

    /// <summary>A host name's class before it is resolved: <c>localhost</c> and its subdomains are loopback (RFC 6761).</summary>
    public static DestinationClass ClassifyName(string host)
    {
        host = Normalize(host);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return DestinationClass.Loopback;
        // One label is completed from the resolver's search list: a name inside the deployment's network.
        if (!host.Contains('.') || LocalSuffixes.Any(s => host.EndsWith(s, StringComparison.OrdinalIgnoreCase))) return DestinationClass.LocalName;
        return DestinationClass.Public;
    }

    private bool Refused(DestinationClass destination) =>
        destination != DestinationClass.Public && !(destination == DestinationClass.Loopback && LoopbackAllowed);

    private static string Describe(string host, DestinationClass destination) =>
        $"the webhook host {host} is {Article(destination)} {(IPAddress.TryParse(host, out _) ? "address" : "name")}; webhooks go to public addresses only ({WebhookDestinationOptions.Section}:AllowedHosts lists exceptions)";

    private static string Article(DestinationClass destination) => destination switch
    {
        DestinationClass.Loopback => "a loopback",
        DestinationClass.Private => "a private",
        DestinationClass.LinkLocal => "a link-local",
        DestinationClass.Unspecified => "an unspecified",
        DestinationClass.SharedAddressSpace => "a shared (carrier-grade NAT)",
        DestinationClass.Multicast => "a multicast",
        DestinationClass.Broadcast => "a broadcast",
        DestinationClass.Reserved => "a reserved",
        DestinationClass.LocalName => "a local",
        _ => "a public",
    };

    private static string Normalize(string host) => host.TrimEnd('.');
}
