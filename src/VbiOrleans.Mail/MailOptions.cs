namespace VbiOrleans.Mail;

/// <summary>How the SMTP connection is secured.</summary>
public enum MailTlsMode
{
    /// <summary>No TLS (a local relay or maildev on loopback).</summary>
    None = 0,
    /// <summary>Plain connection upgraded with STARTTLS, required.</summary>
    StartTls = 1,
    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect = 2,
}

/// <summary>
/// Section <c>Vbi:Mail</c>. With <see cref="Host"/> set, mail goes over SMTP; without it (the Local profile's default)
/// each message is written as a .eml file to <see cref="Folder"/>, and the host says so at start-up.
/// </summary>
public sealed class MailOptions
{
    public const string Section = "Vbi:Mail";

    public string? Host { get; set; }

    public int Port { get; set; } = 25;

    public MailTlsMode Tls { get; set; } = MailTlsMode.StartTls;

    /// <summary>The sender: <c>Name &lt;address&gt;</c> or an address.</summary>
    public string From { get; set; } = "VbiOrleans billing <billing@vbiorleans.local>";

    public string? UserName { get; set; }

    /// <summary>A file holding the SMTP password (never the password itself in configuration).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The folder messages are written to when no SMTP host is set; relative to the data directory.</summary>
    public string Folder { get; set; } = "mail";

    /// <summary>Attempts per message (connection, send) before it is reported failed.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The wait after the first failed attempt; doubled after each further one.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The bound on one attempt (connect, authenticate, send).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (Port is < 1 or > 65535) throw new ArgumentException($"{Section}:Port must be 1 to 65535");
        if (MaxAttempts is < 1 or > 10) throw new ArgumentException($"{Section}:MaxAttempts must be 1 to 10");
        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(5)) throw new ArgumentException($"{Section}:RetryDelay must be 0 to 5 minutes");
        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5)) throw new ArgumentException($"{Section}:Timeout must be above 0 and at most 5 minutes");
        if (!MimeKit.MailboxAddress.TryParse(From, out _)) throw new ArgumentException($"{Section}:From is not a mail address");
    }
}
