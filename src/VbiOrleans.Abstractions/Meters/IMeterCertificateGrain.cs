namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// The published meter certificates, key: the certificate serial (hex, as an indicium carries it). Verification
/// starts from an indicium alone, so it finds the certificate, and the meter it belongs to, by serial.
/// </summary>
public interface IMeterCertificateGrain : IGrainWithStringKey
{
    /// <summary>Records the certificate; repeating it with the same meter and certificate changes nothing.</summary>
    Task Register(string meterId, byte[] certificate);

    Task<MeterCertificate?> Get();
}

[GenerateSerializer, Immutable]
public sealed record MeterCertificate([property: Id(0)] string MeterId, [property: Id(1)] byte[] Certificate);

/// <summary>What a meter's records say of an indicium: the issued record if it is there, and how far back they go.</summary>
[GenerateSerializer, Immutable]
public sealed record IndiciumLookup(
    [property: Id(0)] IndiciumRecord? Record,
    [property: Id(1)] DateTimeOffset RecordsFrom,
    [property: Id(2)] long PieceCount);

[GenerateSerializer, Immutable]
public sealed record IndiciumRecord(
    [property: Id(0)] string IndiciumId,
    [property: Id(1)] long PostageMills,
    [property: Id(2)] DateTimeOffset PrintedAt,
    [property: Id(3)] bool Refunded);
