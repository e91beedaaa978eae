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
    public const string Purchases = "purchases";
    public const string LedgerPostings = "ledger_postings";
    public const string Invoices = "invoices";

    /// <summary>Every table of a day: the log's and the commerce store's, from one source that reads both.</summary>
    public static IReadOnlyList<IExportTable> All<TSource>(TSource source) where TSource : IExportLogSource, IExportCommerceSource =>
        [.. FromLog(source), .. FromCommerce(source)];

    /// <summary>The tables read from the commerce store: purchases and payments, ledger postings, invoices.</summary>
    public static IReadOnlyList<IExportTable> FromCommerce(IExportCommerceSource commerce) =>
    [
        new ExportTable<PurchaseFact>(Purchases,
        [
            (Text("purchase_id"), f => f.PurchaseId),
            (Text("customer_pseudonym"), f => f.CustomerPseudonym),
            (Text("meter_id"), f => f.MeterId),
            (Money("amount_mills"), f => f.AmountMills),
            (Text("payment_method_kind"), f => f.PaymentMethodKind),
            (Text("status"), f => f.Status),
            (Time("created_at"), f => f.CreatedAt),
            (Int64("pvd_sequence", nullable: true), f => f.PvdSequence),
            (Time("settled_at", nullable: true), f => f.SettledAt),
        ], commerce.PurchasesAsync, f => f.PurchaseId),
        new ExportTable<LedgerPostingFact>(LedgerPostings,
        [
            (Text("entry_pseudonym"), f => f.EntryPseudonym),
            (Int64("line"), f => (long)f.Line),
            (Text("kind"), f => f.Kind),
            (Time("at"), f => f.At),
            (Text("account"), f => f.Account),
            (Text("account_customer_pseudonym", nullable: true), f => f.AccountCustomerPseudonym),
            (Money("debit_mills"), f => f.DebitMills),
            (Money("credit_mills"), f => f.CreditMills),
            (Text("customer_pseudonym", nullable: true), f => f.CustomerPseudonym),
            (Text("meter_id", nullable: true), f => f.MeterId),
            (Text("purchase_id", nullable: true), f => f.PurchaseId),
        ], commerce.LedgerPostingsAsync,
            f => $"{f.At.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}\n{f.EntryPseudonym}\n{f.Line.ToString("D5", CultureInfo.InvariantCulture)}"),
        new ExportTable<InvoiceFact>(Invoices,
        [
            (Text("customer_pseudonym"), f => f.CustomerPseudonym),
            (Text("month"), f => f.Month),
            (Time("issued_at"), f => f.IssuedAt),
            (Text("status"), f => f.Status),
            (Int64("line_count"), f => f.LineCount),
            (Money("subtotal_mills"), f => f.SubtotalMills),
            (Money("credit_applied_mills"), f => f.CreditAppliedMills),
            (Money("total_mills"), f => f.TotalMills),
            (Int64("collection_attempts"), f => f.CollectionAttempts),
            (Text("last_failure", nullable: true), f => f.LastFailure),
            (Time("paid_at", nullable: true), f => f.PaidAt),
        ], commerce.InvoicesAsync, f => $"{f.Month}\n{f.CustomerPseudonym}"),
    ];

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
    private static ExportColumn Time(string name, bool nullable = false) => new(name, ColumnType.Timestamp, nullable, IsMoney: false);
}
