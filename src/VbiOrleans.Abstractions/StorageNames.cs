namespace VbiOrleans.Abstractions;

/// <summary>
/// The named grain-storage providers. Each has its own connection string in the Cluster profile, so the module
/// store (module memory, another trust domain) can live in another database or on another server.
/// </summary>
public static class StorageNames
{
    /// <summary>PSD packages and the module table: the seed's database subsystem.</summary>
    public const string Postal = "postal";
    /// <summary>Module memory: the last K checkpoints per meter, outside the postal database.</summary>
    public const string Module = "module";
    /// <summary>Accounts, payments, pricing plans.</summary>
    public const string Commerce = "commerce";
    /// <summary>Users and credentials; also holds cluster membership and reminders.</summary>
    public const string Membership = "membership";

    public static readonly IReadOnlyList<string> All = [Postal, Module, Commerce, Membership];
}
