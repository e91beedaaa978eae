using System.IO.Compression;
using System.Security.Cryptography;
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
/// One HTTP idempotency key (see <see cref="IIdempotencyGrain"/>). Kept 24 hours, like the meter's own results; an
/// older record is forgotten when next read. The in-flight mark is memory only: a request that dies inside the server
/// leaves no mark after <see cref="InFlightTimeout"/>, so its retry runs (and the meter keeps it at most once).
/// Placed on the silo whose API first asks for it (the request's own silo): no network hop on the print path, and a
/// request does not wait on another silo's death for its own record.
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class IdempotencyGrain(
    [PersistentState(stateName: "idempotency", storageName: StorageNames.Commerce)] IPersistentState<IdempotencyState> record,
    TimeProvider clock) : Grain, IIdempotencyGrain
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    public static readonly TimeSpan InFlightTimeout = TimeSpan.FromMinutes(2);

    private DateTimeOffset? _inFlightSince;

    public async Task<IdempotencyDecision> Begin(byte[] fingerprint, byte[] bodyHash)
    {
        var now = clock.GetUtcNow();
        if (record.State.Fingerprint is not null && now - record.State.At > Window)
        {
            await record.ClearStateAsync();
            record.State = new IdempotencyState();
        }
        if (_inFlightSince is { } since && now - since < InFlightTimeout) return new(IdempotencyVerdict.InProgress, 0, null, null);
        if (record.State.Fingerprint is { } stored)
        {
            if (!CryptographicOperations.FixedTimeEquals(stored, fingerprint)) return new(IdempotencyVerdict.Mismatch, 0, null, null);
            if (CryptographicOperations.FixedTimeEquals(record.State.BodyHash!, bodyHash))
                return new(IdempotencyVerdict.Replay, record.State.Status, record.State.ContentType, Decompress(record.State.Body!));
            _inFlightSince = now;
            return new(IdempotencyVerdict.PassThrough, 0, null, null);
        }
        _inFlightSince = now;
        return new(IdempotencyVerdict.Proceed, 0, null, null);
    }

    public async Task Complete(byte[] fingerprint, byte[] bodyHash, int status, string contentType, byte[] body)
    {
        _inFlightSince = null;
        if (record.State.Fingerprint is not null) return; // the first response stays the one replayed
        record.State = new IdempotencyState
        {
            Fingerprint = fingerprint, BodyHash = bodyHash, Status = status, ContentType = contentType, Body = Compress(body), At = clock.GetUtcNow(),
        };
        await record.WriteStateAsync();
    }

    public Task Abandon()
    {
        _inFlightSince = null;
        return Task.CompletedTask;
    }

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
