using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;

namespace VbiOrleans.Grains.Meters;

[GenerateSerializer]
public sealed class IdempotencyRecord
{
    [Id(0)] public byte[]? Fingerprint { get; set; }
    [Id(1)] public byte[]? BodyHash { get; set; }
    /// <summary>The client session's answer; the response is made of it again on a replay.</summary>
    [Id(2)] public ClientTransactionResult? Result { get; set; }
    [Id(3)] public DateTimeOffset At { get; set; }
    /// <summary>The calibration offset the label was rendered with; a replay renders with it again.</summary>
    [Id(4)] public LabelOffset? LabelOffset { get; set; }
}

/// <summary>
/// A meter's money-moving HTTP requests and their idempotency records (see <see cref="IMeterRequestGrain"/>). Each key's
/// record is its own row of the <c>commerce</c> store, read and written through the store's provider under the
/// record's own id ("idempotency", "{meter}|{key}"), so a request writes one small row, never the meter's other
/// records. The result is kept, not the HTTP response: the response is made of it (with its label) the same way each
/// time. Kept 24 hours, like the meter's own results; an older record is forgotten when next read. Placed on the silo
/// whose API first asks for it (the request's own silo).
/// </summary>
[Orleans.Placement.PreferLocalPlacement]
public sealed class MeterRequestGrain(TimeProvider clock) : Grain, IMeterRequestGrain
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);
    private const string StateName = "idempotency";

    private IGrainStorage? _storage;
    private IGrainStorage Storage => _storage ??= ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Commerce);
    private IClientSessionGrain? _session;
    private IClientSessionGrain Session => _session ??= GrainFactory.GetGrain<IClientSessionGrain>(this.GetPrimaryKeyString());

    public async Task<MeterRequestOutcome> Transact(string idempotencyKey, byte[] fingerprint, byte[] bodyHash, byte[] signedRequest, string initiatedBy,
        LabelOffset labelOffset)
    {
        var row = new GrainState<IdempotencyRecord>(new IdempotencyRecord());
        var id = GrainId.Create(StateName, $"{this.GetPrimaryKeyString()}|{idempotencyKey}");
        await Storage.ReadStateAsync(StateName, id, row);
        var record = row.State ?? new IdempotencyRecord();
        if (record.Fingerprint is not null && clock.GetUtcNow() - record.At > Window)
        {
            await Storage.ClearStateAsync(StateName, id, row);
            record = new IdempotencyRecord();
        }
        if (record is { Fingerprint: { } stored, Result: { } kept })
        {
            if (!CryptographicOperations.FixedTimeEquals(stored, fingerprint)) return new(MeterRequestVerdict.KeyReused, null);
            // The same body again is a replay; the same transaction re-signed runs (the meter answers from its own store).
            var keptOffset = record.LabelOffset ?? LabelOffset.None;
            if (CryptographicOperations.FixedTimeEquals(record.BodyHash!, bodyHash)) return new(MeterRequestVerdict.Replayed, kept) { LabelOffset = keptOffset };
            return new(MeterRequestVerdict.Executed, await Session.Transact(signedRequest, initiatedBy)) { LabelOffset = keptOffset };
        }

        var result = await Session.Transact(signedRequest, initiatedBy);
        // The key is bound once the module has answered (executed or a signed refusal); a request refused before that
        // (bad MAC, no session, replayed challenge) leaves the key free for the genuine request.
        if (result.Error == ErrorCode.None)
        {
            row.State = new IdempotencyRecord { Fingerprint = fingerprint, BodyHash = bodyHash, Result = result, At = clock.GetUtcNow(), LabelOffset = labelOffset };
            await Storage.WriteStateAsync(StateName, id, row);
        }
        return new(MeterRequestVerdict.Executed, result) { LabelOffset = labelOffset };
    }
}
