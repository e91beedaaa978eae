namespace VbiOrleans.Grains.Customers;

/// <summary>The section <c>Vbi:ScanForms</c>: how <see cref="ScanFormGrain"/> reads the history it lists prints from.</summary>
public sealed class ScanFormOptions
{
    public const string Section = "Vbi:ScanForms";

    /// <summary>
    /// The longest a request waits for the history (the log feed's projection) to apply the log as far as it reached
    /// when the request came; after that the form lists what the history shows, and a later form lists the rest.
    /// </summary>
    public TimeSpan FeedWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the feed's place is asked for while waiting.</summary>
    public TimeSpan FeedPollInterval { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>The most history pages (100 transactions each) read per meter, newest first, to reach the day's prints and the refunds since.</summary>
    public int MaxHistoryPagesPerMeter { get; set; } = 200;
}
