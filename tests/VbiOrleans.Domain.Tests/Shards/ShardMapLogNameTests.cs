using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Shards;

namespace VbiOrleans.Domain.Tests.Shards;

/// <summary>
/// Each module database of a map keeps a transaction log named as the database, beside the home log of the module
/// store's configured database (docs/transaction-log.md, "Several logs"): no database may take the home log's name.
/// </summary>
public sealed class ShardMapLogNameTests
{
    private static string Document(string moduleName) => $$"""
        {
          "format": "vbi-shard-map/1",
          "version": 1,
          "buckets": 1,
          "hash": "sha256-be64-mod",
          "databases": [
            { "name": "postal-a", "store": "postal", "server": "127.0.0.1:10300", "connection": "shard-postal-a" },
            { "name": "{{moduleName}}", "store": "module", "server": "127.0.0.1:10301", "connection": "shard-module" }
          ],
          "postal": ["postal-a"],
          "module": ["{{moduleName}}"]
        }
        """;

    [Fact]
    public void A_database_named_as_the_home_log_is_refused()
    {
        Assert.Null(ShardMap.Parse(Document(ShardMap.HomeLogName), null, out var error));
        Assert.Equal(ErrorCode.ShardMapInvalid, error!.Code);
        Assert.Contains("'home'", error.Message, StringComparison.Ordinal);
        Assert.NotNull(ShardMap.Parse(Document("homes"), null, out var none));
        Assert.Null(none);
    }
}
