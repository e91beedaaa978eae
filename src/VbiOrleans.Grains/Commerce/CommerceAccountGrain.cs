using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Commerce;

namespace VbiOrleans.Grains.Commerce;

[GenerateSerializer]
public sealed class CommerceAccountState
{
    [Id(0)] public List<AccountLock> Locks { get; set; } = [];
}

/// <summary>
/// A customer's standing (<see cref="ICommerceAccountGrain"/>), in the commerce store. Locks are kept by (reason,
/// reference): adding one that exists changes nothing, lifting one lifts only it.
/// </summary>
public sealed class CommerceAccountGrain(
    [PersistentState(stateName: "commerceAccount", storageName: StorageNames.Commerce)] IPersistentState<CommerceAccountState> account,
    ILogger<CommerceAccountGrain> logger) : Grain, ICommerceAccountGrain
{
    /// <summary>The most locks an account keeps at once: each needs its own payment or decision to lift.</summary>
    public const int MaxLocks = 100;

    private string CustomerId => this.GetPrimaryKeyString();

    private AccountStanding Current => new(CustomerId, [.. account.State.Locks]);

    public Task<AccountStanding> Standing() => Task.FromResult(Current);

    public async Task<AccountStanding> Lock(AccountLock accountLock)
    {
        ArgumentNullException.ThrowIfNull(accountLock);
        if (account.State.Locks.Any(l => l.Reason == accountLock.Reason && l.Reference == accountLock.Reference)) return Current;
        if (account.State.Locks.Count >= MaxLocks)
        {
            // Still locked (it has locks); the newest reason is in the log for whoever reads the alert.
            logger.LogError("Account {CustomerId} holds {Max} locks; the lock {Reason} {Reference} is not recorded", CustomerId, MaxLocks,
                accountLock.Reason, accountLock.Reference);
            return Current;
        }
        account.State.Locks.Add(accountLock);
        await account.WriteStateAsync();
        logger.LogWarning("Account {CustomerId} locked: {Reason} {Reference} by {By}", CustomerId, accountLock.Reason, accountLock.Reference, accountLock.By);
        return Current;
    }

    public async Task<AccountStanding> Unlock(AccountLockReason reason, string reference, string by)
    {
        if (account.State.Locks.RemoveAll(l => l.Reason == reason && l.Reference == reference) == 0) return Current;
        await account.WriteStateAsync();
        logger.LogWarning("Account {CustomerId} unlocked: {Reason} {Reference} by {By}", CustomerId, reason, reference, by);
        return Current;
    }
}
