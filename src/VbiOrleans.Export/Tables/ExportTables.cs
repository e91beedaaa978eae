using System.Globalization;
using VbiOrleans.Abstractions.Export;
using VbiOrleans.Export.Sources;

namespace VbiOrleans.Export.Tables;

/// <summary>
/// Every table of the export and every column of each, declared here and only here (docs/export.md lists them): the
/// allow-list. The facts a source delivers are already stripped of secrets; a column that is not declared here is
/// not written, whatever a fact carries.
/// </summary>
public static class ExportTables
{
    public const string Transactions = "transactions";
    public const string MeterRegisters = "meter_registers";

    /// <summary>The tables read from the transaction log.</summary>
    public static IReadOnlyList<IExportTable> FromLog(IExportLogSource log) =>
    [
        new ExportTable<TransactionFact>(Transactions,
        [
            (Text("meter_id"), f => f.MeterId),
            (Int64("sequence"), f => f.Sequence),
            (Text("kind"), f => f.Kind),
            (Money("amount_mills"), f => f.AmountMills),
            (Time("at"), f => f.At),
            (Text("module_serial"), f => f.ModuleSerial),
            (Money("ar_mills", nullable: true), f => f.AscendingMills),
            (Money("dr_mills", nullable: true), f => f.DescendingMills),
            (Int64("piece_count", nullable: true), f => f.PieceCount),
            (Text("mail_class", nullable: true), f => f.MailClass),
            (Text("destination_zip5", nullable: true), f => f.DestinationZip5),
            (Text("item_kind", nullable: true), f => f.ItemKind),
            (Text("indicium_id", nullable: true), f => f.IndiciumId),
            (Text("tracking_number", nullable: true), f => f.TrackingNumber),
            (Text("refunded_indicium_id", nullable: true), f => f.RefundedIndiciumId),
            (Text("purchase_id", nullable: true), f => f.PurchaseId),
            (Text("customer_pseudonym", nullable: true), f => f.CustomerPseudonym),
            (Text("initiated_by"), f => f.InitiatedBy),
        ], log.TransactionsAsync, f => $"{f.MeterId}\n{f.Sequence.ToString("D19", CultureInfo.InvariantCulture)}"),
        new ExportTable<MeterRegistersFact>(MeterRegisters,
        [
            (Text("meter_id"), f => f.MeterId),
            (Int64("sequence"), f => f.Sequence),
            (Money("ar_mills"), f => f.AscendingMills),
            (Money("dr_mills"), f => f.DescendingMills),
            (Int64("piece_count"), f => f.PieceCount),
            (Text("state"), f => f.State),
            (Time("last_transaction_at"), f => f.LastTransactionAt),
            (Text("customer_pseudonym", nullable: true), f => f.CustomerPseudonym),
        ], log.MeterRegistersAsync, f => f.MeterId),
    ];

    private static ExportColumn Text(string name, bool nullable = false) => new(name, ColumnType.Text, nullable, IsMoney: false);
    private static ExportColumn Int64(string name, bool nullable = false) => new(name, ColumnType.Int64, nullable, IsMoney: false);
    private static ExportColumn Money(string name, bool nullable = false) => new(name, ColumnType.Int64, nullable, IsMoney: true);
    private static ExportColumn Time(string name) => new(name, ColumnType.Timestamp, Nullable: false, IsMoney: false);
}
