using System.Net;
using System.Text.Json;
using VbiOrleans.Host.Tests.Customers;
using VbiOrleans.TransactionLog;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Verification;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// A third party auditing the log over HTTP, holding no archive: it fetches the verifier key and a checkpoint, comes
/// back after more transactions for a newer checkpoint, asks for the consistency proof between the two, and checks it
/// itself. Bad sizes get their stable codes.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class LogProofTests(CustomerHostFixture host)
{
    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The latest checkpoint, once its size is above <paramref name="above"/>.</summary>
    private async Task<(string Note, Checkpoint Checkpoint)> CheckpointAboveAsync(long above, NoteVerifier verifier)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (status, note) = await GetAsync("/v1/log/checkpoint");
            if (status == HttpStatusCode.OK)
            {
                var opened = Checkpoint.Open(note, verifier);
                Assert.True(opened.IsSuccess, opened.Error?.ToString());
                if (opened.Value.Size > above) return (note, opened.Value);
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"no checkpoint above size {above} within 30 s (last: {status} {note})");
            await Task.Delay(200);
        }
    }

    private static string Code(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("code").GetString()!;

    [Fact]
    public async Task An_auditor_checks_over_HTTP_that_the_log_only_grew_between_two_checkpoints()
    {
        var (keyStatus, keyText) = await GetAsync("/v1/log/verifier-key");
        Assert.Equal(HttpStatusCode.OK, keyStatus);
        var verifier = NoteVerifier.FromVerifierKey(keyText.TrimEnd('\n'));
        Assert.True(verifier.IsSuccess, verifier.Error?.ToString());

        using var first = await host.NewCustomerAsync(fundMills: 10_000);
        var (olderNote, older) = await CheckpointAboveAsync(0, verifier.Value);
        using var second = await host.NewCustomerAsync(fundMills: 10_000);
        await second.Session.FundAsync(5_000, "proof-" + Guid.NewGuid().ToString("N"));
        var (newerNote, newer) = await CheckpointAboveAsync(older.Size, verifier.Value);

        var (status, body) = await GetAsync($"/v1/log/proof?from={older.Size}&to={newer.Size}");
        Assert.Equal(HttpStatusCode.OK, status);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(older.Size, json.GetProperty("from").GetInt64());
        Assert.Equal(newer.Size, json.GetProperty("to").GetInt64());
        var proof = json.GetProperty("proof").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.NotEmpty(proof);

        var verified = CheckpointConsistency.Verify(olderNote, newerNote, verifier.Value, proof);
        Assert.True(verified.IsSuccess, verified.Error?.ToString());
        Assert.Equal(newer, verified.Value);
        var tampered = proof.ToList();
        tampered[0] = Convert.ToBase64String(Convert.FromBase64String(tampered[0]).Select((b, i) => i == 0 ? (byte)(b ^ 1) : b).ToArray());
        Assert.Equal(LogErrorCode.Inconsistent, CheckpointConsistency.Verify(olderNote, newerNote, verifier.Value, tampered).Error?.Code);

        // The empty tree is a prefix of every tree; a tree is consistent with itself. Both with an empty proof.
        Assert.Equal("[]", JsonDocument.Parse((await GetAsync($"/v1/log/proof?from=0&to={newer.Size}")).Body).RootElement.GetProperty("proof").GetRawText());
        Assert.Equal("[]", JsonDocument.Parse((await GetAsync($"/v1/log/proof?from={newer.Size}&to={newer.Size}")).Body).RootElement.GetProperty("proof").GetRawText());

        foreach (var bad in new[] { $"from={newer.Size}&to={older.Size}", "from=-1&to=3", "from=x&to=3", $"to={newer.Size}", "from=1&to=99999999999999999999" })
        {
            var (badStatus, problem) = await GetAsync("/v1/log/proof?" + bad);
            Assert.Equal((HttpStatusCode.BadRequest, "LogProofSizesInvalid"), (badStatus, Code(problem)));
        }
        var (missingStatus, missing) = await GetAsync($"/v1/log/proof?from={older.Size}&to={newer.Size + 1_000}");
        Assert.Equal((HttpStatusCode.NotFound, "LogCheckpointNotFound"), (missingStatus, Code(missing)));
    }
}
