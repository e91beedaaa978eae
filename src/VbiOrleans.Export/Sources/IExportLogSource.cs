using VbiOrleans.Abstractions.Export;

namespace VbiOrleans.Export.Sources;

/// <summary>Where the export reads the transaction log's facts for a day.</summary>
public interface IExportLogSource
{
    /// <summary>The day's transaction records (UTC), allow-listed and pseudonymized, in log order.</summary>
    IAsyncEnumerable<TransactionFact> TransactionsAsync(DateOnly day, CancellationToken cancellationToken);

    /// <summary>Every meter's registers at the end of the day (UTC).</summary>
    IAsyncEnumerable<MeterRegistersFact> MeterRegistersAsync(DateOnly day, CancellationToken cancellationToken);
}
