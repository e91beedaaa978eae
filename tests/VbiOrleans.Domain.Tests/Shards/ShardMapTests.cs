using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Shards;

namespace VbiOrleans.Domain.Tests.Shards;

public sealed class ShardMapTests
{
    /// <summary>Two servers, two buckets each way: bucket 0's postal shard on A and module shard on B, bucket 1 the other way round.</summary>
    private static string Document(long version = 1, int buckets = 2, string? postal = null, string? module = null, string serverB = "127.0.0.1:10301",
        string connection = "shard-postal-a", string extra = "") => $$"""
        {
          "format": "vbi-shard-map/1",
          "version": {{version}},
          "buckets": {{buckets}},
          "hash": "sha256-be64-mod",
          "databases": [
            { "name": "postal-a", "store": "postal", "server": "127.0.0.1:10300", "connection": "{{connection}}" },
            { "name": "postal-b", "store": "postal", "server": "{{serverB}}", "connection": "shard-postal-b" },
            { "name": "module-a", "store": "module", "server": "127.0.0.1:10300", "connection": "shard-module-a" },
            { "name": "module-b", "store": "module", "server": "{{serverB}}", "connection": "shard-module-b" }
          ],
          "postal": {{postal ?? """["postal-a", "postal-b"]"""}},
          "module": {{module ?? """["module-b", "module-a"]"""}}{{extra}}
        }
        """;

    private static ShardMap Valid(long version = 1) => ShardMap.Parse(Document(version), null, out _)!;

    private static ErrorCode? Refusal(string document, ShardMap? previous = null)
    {
        var map = ShardMap.Parse(document, previous, out var error);
        Assert.Equal(map is null, error is not null);
        return error?.Code;
    }

    [Theory]
    // Fixed vectors: the first 8 bytes of SHA-256(UTF-8 id), big-endian, modulo the buckets. They must never change:
    // a meter whose bucket changed would be looked for in another database.
    [InlineData("m-00000000", 16, 12)]
    [InlineData("m-00000000", 4096, 156)]
    [InlineData("m-0123456789abcdef", 16, 5)]
    [InlineData("m-0123456789abcdef", 4096, 485)]
    [InlineData("m-ffffffffffffffffffffffffffffffff", 16, 1)]
    [InlineData("m-ffffffffffffffffffffffffffffffff", 7, 4)]
    [InlineData("m-test-meter-1", 4096, 2819)]
    [InlineData("m-test-meter-1", 1, 0)]
    public void A_meter_s_bucket_is_fixed_by_its_id(string meterId, int buckets, int expected) =>
        Assert.Equal(expected, ShardMap.BucketOf(meterId, buckets));

    [Fact]
    public void Meters_spread_over_every_bucket()
    {
        var counts = new int[16];
        for (var i = 0; i < 16_000; i++) counts[ShardMap.BucketOf($"m-{i:x8}", 16)]++;
        // 1,000 expected per bucket; a hash that clustered would leave some far below.
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void A_valid_map_routes_each_bucket_and_round_trips_through_its_document()
    {
        var map = Valid();
        Assert.Equal("postal-a", map.DatabaseOf(ShardMap.PostalStore, 0).Name);
        Assert.Equal("module-b", map.DatabaseOf(ShardMap.ModuleStore, 0).Name);
        Assert.Equal(["postal-a", "postal-b"], map.DatabasesOf(ShardMap.PostalStore).Select(d => d.Name));
        var again = ShardMap.Parse(map.ToDocument(), null, out var error);
        Assert.Null(error);
        Assert.Equal(map.ToDocument(), again!.ToDocument());
    }

    [Fact]
    public void Postal_and_module_shard_of_a_bucket_on_one_server_is_refused()
    {
        // Bucket 0 would hold its PSD packages and its module memory on 127.0.0.1:10300.
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(module: """["module-a", "module-b"]""")));
        // Host names are compared without case; the port counts.
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(serverB: "127.0.0.1:10300")));
        Assert.Null(Refusal(Document(serverB: "127.0.0.1:10302")));
        Assert.True(ShardMap.SameServer("LOCALHOST:5432", "localhost:5432"));
        Assert.False(ShardMap.SameServer("localhost:5432", "localhost:5433"));
    }

    [Fact]
    public void Every_bucket_is_assigned_to_a_database_of_its_store()
    {
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(postal: """["postal-a"]""")));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(postal: """["postal-a", "postal-c"]""")));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(postal: """["postal-a", "module-a"]""")));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(buckets: 3)));
    }

    [Fact]
    public void Versions_only_increase_and_the_buckets_never_change()
    {
        var current = Valid(version: 5);
        Assert.Equal(ErrorCode.ShardMapVersionNotNewer, Refusal(Document(version: 5), current));
        Assert.Equal(ErrorCode.ShardMapVersionNotNewer, Refusal(Document(version: 4), current));
        Assert.Equal(ErrorCode.ShardMapBucketsChanged,
            Refusal(Document(version: 6, buckets: 3, postal: """["postal-a", "postal-b", "postal-a"]""", module: """["module-b", "module-a", "module-b"]"""), current));
        Assert.Null(Refusal(Document(version: 6), current));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(version: 0)));
    }

    [Fact]
    public void A_connection_string_in_place_of_its_name_is_refused_without_echoing_it()
    {
        var document = Document(connection: "Host=10.0.0.5;Username=postgres;Password=hunter2");
        Assert.Null(ShardMap.Parse(document, null, out var error));
        Assert.Equal(ErrorCode.ShardMapInvalid, error!.Code);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_fields_formats_and_hashes_are_refused()
    {
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document(extra: """, "bucket": 3""")));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document().Replace("vbi-shard-map/1", "vbi-shard-map/2", StringComparison.Ordinal)));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document().Replace("sha256-be64-mod", "fnv1a", StringComparison.Ordinal)));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal("not json"));
        Assert.Equal(ErrorCode.ShardMapInvalid, Refusal(Document().Replace("127.0.0.1:10300", "127.0.0.1", StringComparison.Ordinal)));
    }
}
