using VbiOrleans.Domain.Transactions;

namespace VbiOrleans.Abstractions.Meters;

/// <summary>A meter's registers and state as callers see them. Amounts are mills.</summary>
[GenerateSerializer, Immutable]
public sealed record RegistersView(
    [property: Id(0)] long AscendingMills,
    [property: Id(1)] long DescendingMills,
    [property: Id(2)] long PieceCount,
    [property: Id(3)] long Sequence,
    [property: Id(4)] string State);

/// <summary>The client's record of the registers; when given, the module refuses a command on any difference.</summary>
[GenerateSerializer, Immutable]
public sealed record ExpectedRegisters([property: Id(0)] long AscendingMills, [property: Id(1)] long DescendingMills);

/// <summary>An indicium as issued: its id, the signed data and the signature (ECDSA P-256, raw r||s).</summary>
[GenerateSerializer, Immutable]
public sealed record IssuedIndicium(
    [property: Id(0)] string IndiciumId,
    [property: Id(1)] string MeterId,
    [property: Id(2)] long Sequence,
    [property: Id(3)] long PostageMills,
    [property: Id(4)] DateTimeOffset PrintedAt,
    [property: Id(5)] byte[] Data,
    [property: Id(6)] byte[] Signature);

/// <summary>The outcome of a meter command: registers after it, or a named error and nothing changed.</summary>
[GenerateSerializer, Immutable]
public sealed record MeterResult(
    [property: Id(0)] ErrorCode Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] RegistersView? Registers,
    [property: Id(3)] TransactionKind? Kind,
    [property: Id(4)] long AmountMills,
    [property: Id(5)] IssuedIndicium? Indicium)
{
    public bool IsSuccess => Error == ErrorCode.None;

    /// <summary>For a signed request (<see cref="IMeterGrain.ExecuteSigned"/>): the module's signed answer; null when it was refused before the module answered.</summary>
    [Id(6)] public Modules.ClientAnswer? Answer { get; init; }

    public static MeterResult Fail(ErrorCode code, string message) => new(code, message, null, null, 0, null);
}

/// <summary>
/// What a print asks for. The destination ZIP, class and kind are printed in the indicium; the shipment, when the
/// customer signed one, goes with the command into the log record, where the history, the tracking number and every
/// later reader find it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PrintRequest(
    [property: Id(0)] long PostageMills,
    [property: Id(1)] string DestinationZip,
    [property: Id(2)] string MailClass,
    [property: Id(3)] string ItemKind = "postage",
    [property: Id(4)] PrintShipment? Shipment = null);

/// <summary>A standardized address of a shipment (the signed request's, field for field; optional fields empty).</summary>
[GenerateSerializer, Immutable]
public sealed record ShipmentAddress(
    [property: Id(0)] string Name,
    [property: Id(1)] string Company,
    [property: Id(2)] string Street,
    [property: Id(3)] string Street2,
    [property: Id(4)] string City,
    [property: Id(5)] string State,
    [property: Id(6)] string Zip5,
    [property: Id(7)] string Zip4)
{
    /// <summary>Every field with its length before it, so two different addresses never read alike.</summary>
    public string Canonical() =>
        string.Concat(new[] { Name, Company, Street, Street2, City, State, Zip5, Zip4 }.Select(f => $"{f.Length}:{f}|"));
}

/// <summary>
/// The shipment of a print as signed: sender, recipient, weight (tenths of an ounce), dimensions (hundredths of an
/// inch, longest first, all 0 for none), Signature Confirmation, insurance's declared value (mills, 0 for none).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record PrintShipment(
    [property: Id(0)] ShipmentAddress From,
    [property: Id(1)] ShipmentAddress To,
    [property: Id(2)] int WeightTenthsOz,
    [property: Id(3)] int LengthHundredths,
    [property: Id(4)] int WidthHundredths,
    [property: Id(5)] int HeightHundredths,
    [property: Id(6)] bool Signature,
    [property: Id(7)] long DeclaredValueMills)
{
    /// <summary>The shipment in one unambiguous text, for the print command's fingerprint.</summary>
    public string Canonical() =>
        $"{From.Canonical()}/{To.Canonical()}/{WeightTenthsOz}/{LengthHundredths}x{WidthHundredths}x{HeightHundredths}/{(Signature ? 1 : 0)}/{DeclaredValueMills}";
}

/// <summary>A checkpoint as the audit shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record CheckpointView(
    [property: Id(0)] long Sequence,
    [property: Id(1)] TransactionKind Kind,
    [property: Id(2)] long AmountMills,
    [property: Id(3)] long AscendingMills,
    [property: Id(4)] long DescendingMills,
    [property: Id(5)] string ModuleSerial,
    [property: Id(6)] DateTimeOffset At);

/// <summary>
/// The audit of one meter: registers, state, the postal store's checkpoint and module memory's. For an inhibited
/// meter the postal row's values (registers, serial, ZIP, checkpoint) are not shown: they may be another meter's.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MeterAudit(
    [property: Id(0)] string MeterId,
    [property: Id(1)] RegistersView? Registers,
    [property: Id(2)] string? CertificateSerial,
    [property: Id(3)] string? LicensingZip,
    [property: Id(4)] CheckpointView? PostalCheckpoint,
    [property: Id(5)] IReadOnlyList<CheckpointView> ModuleMemory,
    [property: Id(6)] string? InhibitReason,
    [property: Id(7)] long TotalDownloadedMills,
    [property: Id(8)] long TotalWithdrawnMills,
    [property: Id(9)] long TotalRefundedMills)
{
    /// <summary>The meter's state: the package's, or <c>Inhibited</c>; null before provisioning.</summary>
    [Id(10)] public string? State { get; init; }

    /// <summary>Module memory's audit records (rollbacks, inhibits, recoveries), oldest first.</summary>
    [Id(11)] public IReadOnlyList<string> ModuleAudit { get; init; } = [];

    /// <summary>Transactions the call that produced this audit replayed from the log into the postal row.</summary>
    [Id(12)] public int RolledForward { get; init; }
}
