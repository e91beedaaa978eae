namespace VbiOrleans.Abstractions.Customers;

/// <summary>
/// Which customer a meter is licensed to (key: the meter id), in the <c>commerce</c> store: the reverse of the
/// customer's meter list, for what follows a meter's transactions downstream (the partners to tell). Set before the
/// meter is licensed, so every transaction of the meter finds its customer.
/// </summary>
public interface IMeterOwnerGrain : IGrainWithStringKey
{
    /// <summary>Records the owner; a meter already owned keeps its owner, which is returned.</summary>
    Task<string> Claim(string customerId);

    Task<string?> Owner();
}
