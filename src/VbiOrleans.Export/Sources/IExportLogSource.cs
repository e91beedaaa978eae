using VbiOrleans.Abstractions.Export;

namespace VbiOrleans.Export.Sources;

/// <summary>Where the export reads a day's facts: the transaction log's, and the commerce store's.</summary>
public interface IExportLogSource
{
    /// <summary>The day's transaction records (UTC), allow-listed and pseudonymized, in log order.</summary>
    IAsyncEnumerable<TransactionFact> TransactionsAsync(DateOnly day, CancellationToken cancellationToken);

    /// <summary>Every meter's registers at the end of the day (UTC).</summary>
    IAsyncEnumerable<MeterRegistersFact> MeterRegistersAsync(DateOnly day, CancellationToken cancellationToken);
}

/// <summary>Where the export reads the commerce store's facts for a day.</summary>
public interface IExportCommerceSource
{
    /// <summary>The purchases written on the day (UTC), as they stand.</summary>
    IAsyncEnumerable<PurchaseFact> PurchasesAsync(DateOnly day, CancellationToken cancellationToken);

    /// <summary>The postings of the ledger entries dated in the day (UTC).</summary>
    IAsyncEnumerable<LedgerPostingFact> LedgerPostingsAsync(DateOnly day, CancellationToken cancellationToken);

    /// <summary>The invoices written on the day (UTC), as they stand.</summary>
    IAsyncEnumerable<InvoiceFact> InvoicesAsync(DateOnly day, CancellationToken cancellationToken);
}
