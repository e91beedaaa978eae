namespace VbiOrleans.Domain.Geography;

/// <summary>
/// A postal zone: Local, or 1 to 9. Local and 1 to 8 follow the distance between the origin and destination ZIP
/// areas; 9 is the Freely Associated States. <see cref="Number"/> is 0 for Local.
/// </summary>
public readonly record struct Zone
{
    private Zone(int number) => Number = number;

    public int Number { get; }

    public static Zone Local { get; } = new(0);
    public static Zone FreelyAssociatedStates { get; } = new(9);

    public static Zone Of(int number) =>
        number is >= 0 and <= 9 ? new Zone(number) : throw new ArgumentOutOfRangeException(nameof(number), number, "zones are Local (0) and 1 to 9");

    /// <summary>"Local" or the zone's digit, as price tables and quotes spell it.</summary>
    public string Name => Number == 0 ? "Local" : Number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() => Name;
}
