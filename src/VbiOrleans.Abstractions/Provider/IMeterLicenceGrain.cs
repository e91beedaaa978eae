using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Abstractions.Provider;

/// <summary>
/// A meter's licence with the postal authority (key: the meter id), in the commerce store: the application as it was
/// made when the meter was licensed (the customer's name and address, the licensing ZIP, the tax id encrypted to the
/// postal authority's key), and the postal authority's answer. A meter whose licence is not approved refuses PVDs and
/// prints (<c>MeterLicencePending</c>, <c>MeterLicenceRejected</c>).
/// </summary>
public interface IMeterLicenceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the application from the meter's licence transaction (the provider's log feed consumer calls it).
    /// Repeating it changes nothing: the application keeps what the account held the first time.
    /// </summary>
    Task<LicenceStatus> Record(DateTimeOffset licensedAt, string licensingZip);

    /// <summary>The postal authority's answer, read from its answer file <paramref name="source"/>.</summary>
    Task<LicenceStatus> Answer(bool approved, string reason, string source);

    Task<LicenceStatus> Status();

    Task<LicenceApplicationRecord?> Application();
}

public enum LicenceDecision
{
    /// <summary>No answer yet (or no application recorded yet).</summary>
    Pending = 0,
    Approved = 1,
    Rejected = 2,
}

[GenerateSerializer, Immutable]
public sealed record LicenceStatus(
    [property: Id(0)] string MeterId,
    [property: Id(1)] LicenceDecision Decision,
    [property: Id(2)] string? Reason,
    [property: Id(3)] DateTimeOffset? AnsweredAt,
    [property: Id(4)] string? AnswerSource,
    [property: Id(5)] bool ApplicationRecorded);

/// <summary>A licence application as recorded, what the licensing file carries.</summary>
[GenerateSerializer, Immutable]
public sealed record LicenceApplicationRecord(
    [property: Id(0)] string MeterId,
    [property: Id(1)] DateTimeOffset LicensedAt,
    [property: Id(2)] string LicensingZip,
    [property: Id(3)] string CustomerId,
    [property: Id(4)] ShipmentAddress Address,
    [property: Id(5)] string EncryptedTaxId);
