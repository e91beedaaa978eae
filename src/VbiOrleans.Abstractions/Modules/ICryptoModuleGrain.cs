namespace VbiOrleans.Abstractions.Modules;

/// <summary>
/// One row of the module table, keyed by <c>cm-{serial}</c>. One activation per module, so a module's rows are
/// written serially; the row lives in the <c>postal</c> store beside the PSD packages, as in the seed.
/// </summary>
public interface ICryptoModuleGrain : IGrainWithStringKey
{
    Task<ModuleTableRow?> Get();

    Task<ModuleTableResult> Register(string label);

    Task<ModuleTableResult> RecordTransaction(ModuleTransactionReport transaction);

    Task<ModuleTableResult> Retire();

    /// <summary>
    /// The latest of <paramref name="count"/> transactions of the module, reported without waiting. Each silo
    /// coalesces the print path's reports and sends them at most every quarter second; the grain writes its row at
    /// most as often. An unregistered module registers itself on its first report.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Report(ModuleTransactionReport latest, int count);
}

/// <summary>The list of registered module serials (a single activation, key <see cref="Key"/>).</summary>
public interface IModuleTableGrain : IGrainWithStringKey
{
    public const string Key = "module-table";

    Task Add(string serial);

    Task<IReadOnlyList<string>> Serials();

    /// <summary>Every row, in serial order.</summary>
    Task<IReadOnlyList<ModuleTableRow>> List();
}
