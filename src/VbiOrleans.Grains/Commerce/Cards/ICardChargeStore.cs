namespace VbiOrleans.Grains.Commerce.Cards;

/// <summary>What a captured card charge paid for.</summary>
public static class CardChargePurposes
{
    public const string Purchase = "purchase";
    public const string Invoice = "invoice";
    public const string AchReturn = "ach-return";
}

/// <summary>A captured card charge as stored (infra/sql/56-cards.sql, vbi_card_charge), with its dispute once one is found.</summary>
public sealed record CardChargeRow(
    string ChargeId,
    string CustomerId,
    string Purpose,
    string Reference,
    long AmountMills,
    DateTimeOffset CapturedAt,
    DateTimeOffset? CheckedAt = null,
    string? DisputeId = null,
    long? DisputeMills = null,
    string? DisputeReason = null,
    DateTimeOffset? DisputedAt = null,
    bool ChargebackApplied = false);

/// <summary>
/// The card charges we captured: PostgreSQL in the commerce database in the Cluster profile
/// (<see cref="PostgresCardChargeStore"/>), memory in the Local profile (<see cref="MemoryCardChargeStore"/>). The
/// dispute sweep watches them; refund payouts refund against them.
/// </summary>
public interface ICardChargeStore
{
    /// <summary>Records a captured charge (idempotent by charge id).</summary>
    Task RecordCaptureAsync(CardChargeRow row);

    Task<CardChargeRow?> FindAsync(string chargeId);

    /// <summary>Undisputed charges captured at or after <paramref name="capturedSince"/>, least recently checked first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<CardChargeRow>> DueForDisputeCheckAsync(DateTimeOffset capturedSince, int limit);

    Task MarkCheckedAsync(IReadOnlyList<string> chargeIds, DateTimeOffset at);

    /// <summary>Records the charge's dispute unless it has one; answers the stored row.</summary>
    Task<CardChargeRow> RecordDisputeAsync(string chargeId, string disputeId, long disputeMills, string reason, DateTimeOffset at);

    /// <summary>Disputes recorded whose effects are not all done (a crash in between), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<CardChargeRow>> PendingChargebacksAsync(int limit);

    Task MarkChargebackAppliedAsync(string chargeId);

    /// <summary>A customer's charges, newest first, at most <paramref name="limit"/> (disputed ones included).</summary>
    Task<IReadOnlyList<CardChargeRow>> ChargesOfCustomerAsync(string customerId, int limit);
}
