using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.Shards;

/// <summary>One database of a shard map: which store it serves, on which server, and the name of its connection string.</summary>
/// <param name="Name">The database's name in the map (buckets refer to it).</param>
/// <param name="Store"><c>postal</c> or <c>module</c>.</param>
/// <param name="Server">host:port, as its connection string has it: the trust-domain rule compares servers.</param>
/// <param name="Connection">
/// The name of its connection string in configuration (<c>ConnectionStrings:NAME</c>): the map names a connection string
/// and never holds one, so no password is ever in the map.
/// </param>
public sealed record ShardDatabase(string Name, string Store, string Server, string Connection);

/// <summary>
/// The shard map (docs/scaling.md): a fixed number of buckets, every meter id hashed into one for ever, and for each
/// bucket the database of the <c>postal</c> store and the database of the <c>module</c> store that hold its meters.
/// Versioned: a map replaces another only with a larger version and the same number of buckets. Plain data and rules,
/// no I/O.
/// </summary>
public sealed partial record ShardMap(long Version, int Buckets, IReadOnlyList<ShardDatabase> Databases, IReadOnlyList<string> Postal, IReadOnlyList<string> Module)
{
    /// <summary>The format's name, first in every document.</summary>
    public const string FormatName = "vbi-shard-map/1";

    /// <summary>The bucket hash's name in the document: see <see cref="BucketOf(string, int)"/>.</summary>
    public const string HashName = "sha256-be64-mod";

    public const string PostalStore = "postal";
    public const string ModuleStore = "module";
    /// <summary>
    /// The name of the transaction log in the module store's configured database; each module database of the map
    /// keeps a log named as the database, so no database may take this name.
    /// </summary>
    public const string HomeLogName = "home";
    public const int MaxBuckets = 4096;
    public const int MaxDatabases = 256;
    /// <summary>A document larger than this is refused before it is parsed.</summary>
    public const int MaxDocumentBytes = 256 * 1024;

    /// <summary>
    /// The bucket of a meter: the first 8 bytes of SHA-256 over the meter id's UTF-8 bytes, read as a big-endian
    /// unsigned integer, modulo the number of buckets. SHA-256 is fixed by its standard, so a meter's bucket never
    /// changes with the runtime, the machine or the process (string.GetHashCode is randomized per process).
    /// </summary>
    public static int BucketOf(string meterId, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(meterId), digest);
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(digest) % (ulong)buckets);
    }

    public int BucketOf(string meterId) => BucketOf(meterId, Buckets);

    /// <summary>The database of <paramref name="store"/> that holds <paramref name="bucket"/>.</summary>
    public ShardDatabase DatabaseOf(string store, int bucket)
    {
        var name = (store == PostalStore ? Postal : store == ModuleStore ? Module : throw new ArgumentException($"the shard map has no store '{store}'", nameof(store)))[bucket];
        return Databases.First(d => d.Name == name);
    }

    /// <summary>The databases of one store that some bucket uses, in the map's order.</summary>
    public IReadOnlyList<ShardDatabase> DatabasesOf(string store)
    {
        var used = (store == PostalStore ? Postal : store == ModuleStore ? Module : []).ToHashSet(StringComparer.Ordinal);
        return [.. Databases.Where(d => d.Store == store && used.Contains(d.Name))];
    }

    /// <summary>
    /// Parses a document and checks it (<see cref="Validate"/>) against the map it would replace. A failure is
    /// <see cref="ErrorCode.ShardMapInvalid"/>, <see cref="ErrorCode.ShardMapVersionNotNewer"/> or
    /// <see cref="ErrorCode.ShardMapBucketsChanged"/> with a sentence naming the field.
    /// </summary>
    public static ShardMap? Parse(string document, ShardMap? previous, out DomainError? error)
    {
        if (Encoding.UTF8.GetByteCount(document) > MaxDocumentBytes)
        {
            error = new DomainError(ErrorCode.ShardMapInvalid, $"the shard map is larger than {MaxDocumentBytes} bytes");
            return null;
        }
        Document? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(document, ShardMapJson.Default.Document);
        }
        catch (JsonException e)
        {
            error = new DomainError(ErrorCode.ShardMapInvalid, $"the shard map is not a {FormatName} document: {e.Message}");
            return null;
        }
        if (parsed is null || parsed.Format != FormatName)
        {
            error = new DomainError(ErrorCode.ShardMapInvalid, $"the shard map's format is '{parsed?.Format}'; it must be '{FormatName}'");
            return null;
        }
        if (parsed.Hash != HashName)
        {
            error = new DomainError(ErrorCode.ShardMapInvalid, $"the shard map's hash is '{parsed.Hash}'; the only bucket hash is '{HashName}'");
            return null;
        }
        var map = new ShardMap(parsed.Version, parsed.Buckets,
            [.. (parsed.Databases ?? []).Select(d => new ShardDatabase(d.Name ?? "", d.Store ?? "", d.Server ?? "", d.Connection ?? ""))],
            parsed.Postal ?? [], parsed.Module ?? []);
        error = map.Validate(previous);
        return error is null ? map : null;
    }

    /// <summary>
    /// The rules every map keeps: a version above the previous map's and the same number of buckets (a meter's bucket
    /// is for ever); every bucket assigned, in each store, to a database of that store; names, servers and connection
    /// names well formed; and for every bucket i, postal shard i and module shard i on different servers (host:port),
    /// so a meter's PSD package and its module memory never share a server (two trust domains).
    /// </summary>
    public DomainError? Validate(ShardMap? previous)
    {
        if (Version < 1) return Invalid("version is a positive integer");
        if (previous is not null && Version <= previous.Version)
            return new DomainError(ErrorCode.ShardMapVersionNotNewer, $"version {Version} is not above the current map's version {previous.Version}");
        if (Buckets is < 1 or > MaxBuckets) return Invalid($"buckets is 1 to {MaxBuckets}");
        if (previous is not null && Buckets != previous.Buckets)
            return new DomainError(ErrorCode.ShardMapBucketsChanged, $"buckets is {Buckets}, but the current map has {previous.Buckets}: a meter's bucket never changes");
        if (Databases.Count is < 1 or > MaxDatabases) return Invalid($"databases lists 1 to {MaxDatabases} databases");
        var byName = new Dictionary<string, ShardDatabase>(StringComparer.Ordinal);
        foreach (var d in Databases)
        {
            if (!NamePattern().IsMatch(d.Name)) return Invalid($"database name '{d.Name}' is 1 to 63 of a-z, 0-9, '-' and '_', starting with a letter or digit");
            if (d.Name == HomeLogName) return Invalid($"database name '{HomeLogName}' is the home transaction log's name; give the database another");
            if (!byName.TryAdd(d.Name, d)) return Invalid($"database '{d.Name}' is listed twice");
            if (d.Store is not (PostalStore or ModuleStore)) return Invalid($"database '{d.Name}' has store '{d.Store}'; it is postal or module");
            if (!TryParseServer(d.Server, out _, out _)) return Invalid($"database '{d.Name}' has server '{d.Server}'; it is host:port");
            if (!ConnectionPattern().IsMatch(d.Connection))
                return Invalid($"database '{d.Name}' has connection '{Shorten(d.Connection)}'; it is the name of a connection string in configuration " +
                               "(ConnectionStrings:NAME, 1 to 64 of letters, digits, '-', '_' and '.'), never the connection string itself");
        }
        foreach (var (store, buckets) in new[] { (PostalStore, Postal), (ModuleStore, Module) })
        {
            if (buckets.Count != Buckets) return Invalid($"{store} assigns {buckets.Count} buckets; every one of the {Buckets} buckets must be assigned");
            for (var i = 0; i < buckets.Count; i++)
            {
                if (!byName.TryGetValue(buckets[i] ?? "", out var d)) return Invalid($"{store} bucket {i} names '{buckets[i]}', which is not in databases");
                if (d.Store != store) return Invalid($"{store} bucket {i} names '{d.Name}', a database of the {d.Store} store");
            }
        }
        for (var i = 0; i < Buckets; i++)
        {
            var postal = byName[Postal[i]];
            var module = byName[Module[i]];
            if (SameServer(postal.Server, module.Server))
                return Invalid($"bucket {i}: postal database '{postal.Name}' and module database '{module.Name}' are both on {postal.Server}; " +
                               "a meter's postal and module shards are never on the same server");
        }
        return null;
    }

    /// <summary>The map as its document (the form stored in the membership store and shown by <c>vbi-admin shards show</c>).</summary>
    public string ToDocument() => JsonSerializer.Serialize(new Document
    {
        Format = FormatName, Version = Version, Buckets = Buckets, Hash = HashName,
        Databases = [.. Databases.Select(d => new DatabaseDocument { Name = d.Name, Store = d.Store, Server = d.Server, Connection = d.Connection })],
        Postal = [.. Postal], Module = [.. Module],
    }, ShardMapJson.Default.Document);

    public static bool TryParseServer(string server, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = server.LastIndexOf(':');
        if (colon <= 0 || colon == server.Length - 1) return false;
        host = server[..colon].Trim('[', ']');
        return host.Length > 0 && !host.Any(char.IsWhiteSpace)
            && int.TryParse(server.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
    }

    /// <summary>Two host:port strings name one server (host names compared without case).</summary>
    public static bool SameServer(string a, string b) =>
        TryParseServer(a, out var hostA, out var portA) && TryParseServer(b, out var hostB, out var portB)
        && portA == portB && string.Equals(hostA, hostB, StringComparison.OrdinalIgnoreCase);

    private static DomainError Invalid(string message) => new(ErrorCode.ShardMapInvalid, message);

    // A connection string pasted by mistake is not echoed back whole: it may hold a password.
    private static string Shorten(string text) => text.Length <= 16 && !text.Contains('=') ? text : "(not a name)";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex ConnectionPattern();

    internal sealed class Document
    {
        [JsonPropertyName("format")] public string? Format { get; set; }
        [JsonPropertyName("version")] public long Version { get; set; }
        [JsonPropertyName("buckets")] public int Buckets { get; set; }
        [JsonPropertyName("hash")] public string? Hash { get; set; }
        [JsonPropertyName("databases")] public List<DatabaseDocument>? Databases { get; set; }
        [JsonPropertyName("postal")] public List<string>? Postal { get; set; }
        [JsonPropertyName("module")] public List<string>? Module { get; set; }
    }

    internal sealed class DatabaseDocument
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("store")] public string? Store { get; set; }
        [JsonPropertyName("server")] public string? Server { get; set; }
        [JsonPropertyName("connection")] public string? Connection { get; set; }
    }
}

/// <summary>Strict: an unknown field is an error (a misspelt field must not be read as absent).</summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, WriteIndented = true)]
[JsonSerializable(typeof(ShardMap.Document))]
internal sealed partial class ShardMapJson : JsonSerializerContext;
