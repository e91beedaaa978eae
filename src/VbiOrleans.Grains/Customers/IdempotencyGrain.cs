using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Customers;

namespace VbiOrleans.Grains.Customers;

[GenerateSerializer]
public sealed class IdempotencyState
{
    [Id(0)] public byte[]? Fingerprint { get; set; }
    [Id(1)] public byte[]? BodyHash { get; set; }
    [Id(2)] public int Status { get; set; }
    [Id(3)] public string? ContentType { get; set; }
    /// <summary>The response body, Brotli-compressed.</summary>
    [Id(4)] public byte[]? Body { get; set; }
    [Id(5)] public DateTimeOffset At { get; set; }
}

/// <summary>
/// The HTTP idempotency records of one meter (see <see cref="IIdempotencyGrain"/>). Each key's record is its own row of
/// the <c>commerce</c> store, read and written through the store's provider under the record's own id
/// ("idempotency", "{meter}|{key}"), so a print writes one small row, never the meter's other records. Kept 24 hours,
/// like the meter's own results; an older record is forgotten when next read. The in-flight marks are memory only: a
/// request that dies inside the server leaves no mark after <see cref="InFlightTimeout"/>, so its retry runs (and the
/// meter keeps it at most once). Placed on the silo whose API first asks for it (the request's own silo).
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class IdempotencyGrain(TimeProvider clock) : Grain, IIdempotencyGrain
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public static readonly TimeSpan InFlightTimeout = TimeSpan.FromMinutes(2);
    /// <summary>Keys in flight at once on one meter; past it a new key is answered InProgress (its client retries).</summary>
    public const int MaxInFlight = 256;
    private const string StateName = "idempotency";

    private readonly Dictionary<string, DateTimeOffset> _inFlight = new(StringComparer.Ordinal);
    private IGrainStorage? _storage;
    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Commerce);

    public async Task<IdempotencyDecision> Begin(string key, byte[] fingerprint, byte[] bodyHash)
    {
        var now = clock.GetUtcNow();
        if (_inFlight.TryGetValue(key, out var since) && now - since < InFlightTimeout) return new(IdempotencyVerdict.InProgress, 0, null, null);
        var record = await ReadAsync(key);
        var state = record.State!;
        if (state.Fingerprint is not null && now - state.At > Window)
        {
            await Storage.ClearStateAsync(StateName, RecordId(key), record);
            state = new IdempotencyState();
        }
        if (state.Fingerprint is { } stored)
        {
            if (!CryptographicOperations.FixedTimeEquals(stored, fingerprint)) return new(IdempotencyVerdict.Mismatch, 0, null, null);
            if (CryptographicOperations.FixedTimeEquals(state.BodyHash!, bodyHash))
                return new(IdempotencyVerdict.Replay, state.Status, state.ContentType, Decompress(state.Body!));
            return Mark(key, now, IdempotencyVerdict.PassThrough);
        }
        return Mark(key, now, IdempotencyVerdict.Proceed);
    }

    public async Task Complete(string key, byte[] fingerprint, byte[] bodyHash, int status, string contentType, byte[] body)
    {
        _inFlight.Remove(key);
        var record = await ReadAsync(key);
        if (record.State!.Fingerprint is not null) return; // the first response stays the one replayed
        record.State = new IdempotencyState
        {
            Fingerprint = fingerprint, BodyHash = bodyHash, Status = status, ContentType = contentType, Body = Compress(body), At = clock.GetUtcNow(),
        };
        await Storage.WriteStateAsync(StateName, RecordId(key), record);
    }

    public Task Abandon(string key)
    {
        _inFlight.Remove(key);
        return Task.CompletedTask;
    }

    private IdempotencyDecision Mark(string key, DateTimeOffset now, IdempotencyVerdict verdict)
    {
        if (_inFlight.Count >= MaxInFlight)
        {
            foreach (var (stale, at) in _inFlight.ToList()) if (now - at >= InFlightTimeout) _inFlight.Remove(stale);
            if (_inFlight.Count >= MaxInFlight) return new(IdempotencyVerdict.InProgress, 0, null, null);
        }
        _inFlight[key] = now;
        return new(verdict, 0, null, null);
    }

    private async Task<GrainState<IdempotencyState>> ReadAsync(string key)
    {
        var record = new GrainState<IdempotencyState>(new IdempotencyState());
        await Storage.ReadStateAsync(StateName, RecordId(key), record);
        record.State ??= new IdempotencyState();
        return record;
    }

    private GrainId RecordId(string key) => GrainId.Create(StateName, $"{this.GetPrimaryKeyString()}|{key}");

    private static byte[] Compress(byte[] body)
    {
        using var output = new MemoryStream();
        using (var brotli = new BrotliStream(output, CompressionLevel.Fastest)) brotli.Write(body);
        return output.ToArray();
    }

    private static byte[] Decompress(byte[] body)
    {
        using var input = new BrotliStream(new MemoryStream(body), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
