namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// MeterGen's pool of provisioned meters (a single activation), refilled in the background to a target size so a
/// sign-up never waits for key generation and certificate issuing.
/// </summary>
public interface IMeterPoolGrain : IGrainWithIntegerKey
{
    /// <summary>A provisioned, unlicensed meter id. Provisions one on the spot only if the pool is empty.</summary>
    Task<string> Take();

    Task<MeterPoolStatus> Status();
}

[GenerateSerializer, Immutable]
public sealed record MeterPoolStatus([property: Id(0)] int Ready, [property: Id(1)] int Target, [property: Id(2)] long Provisioned, [property: Id(3)] long Taken);
