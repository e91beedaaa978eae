namespace VbiOrleans.Domain.Shipping;

/// <summary>The section <c>Vbi:Shipping</c>: what the provider's tracking numbers carry.</summary>
public sealed class ShippingOptions
{
    public const string Section = "Vbi:Shipping";

    /// <summary>
    /// The provider's mailer id (MID) from the postal authority, 6 or 9 digits. The default, 900000, is for local use
    /// only: it is no one's mailer id, and a carrier would not accept its tracking numbers.
    /// </summary>
    public string MailerId { get; set; } = "900000";

    /// <summary>Throws, naming the setting, when the mailer id is not 6 or 9 digits (the host then refuses to start).</summary>
    public void Validate()
    {
        if (!TrackingNumber.IsMailerId(MailerId))
            throw new InvalidOperationException($"{Section}:MailerId '{MailerId}' is not a mailer id (6 or 9 digits)");
    }
}
