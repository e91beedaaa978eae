namespace VbiOrleans.Abstractions.Meters;

/// <summary>
/// MeterGen's numbering (a single activation, key 0): every meter gets the next number at provisioning, its device
/// serial ("VBI-VPSD1-000123"). Numbers are unique across the system and never reused: one is taken durably before
/// the meter is made, so a provisioning that crashes leaves a gap, never a second meter with the same number. The
/// IMpb tracking number's serial is built from it (docs/shipping.md).
/// </summary>
public interface IMeterNumberGrain : IGrainWithIntegerKey
{
    Task<long> Next();
}
