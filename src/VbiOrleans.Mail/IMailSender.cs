namespace VbiOrleans.Mail;

/// <summary>Sends a message to a customer; a failure is a named result, never an exception to parse.</summary>
public interface IMailSender
{
    /// <summary>Where messages go, for the start-up line and logs: <c>smtp://host:port</c> or <c>folder:/path</c>.</summary>
    string Destination { get; }

    Task<MailResult> SendAsync(MailMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// A message: one recipient, a plain-text body and attachments. <paramref name="MessageId"/> is derived from what the
/// message is about (an invoice number), so a message sent again after a crash carries the same id.
/// </summary>
public sealed record MailMessage(string To, string Subject, string TextBody, IReadOnlyList<MailAttachment> Attachments, string MessageId);

public sealed record MailAttachment(string FileName, string ContentType, byte[] Content);

public enum MailError
{
    None = 0,
    /// <summary>The recipient's address is not an address.</summary>
    InvalidRecipient = 1,
    /// <summary>The server did not answer, refused the connection, or failed every attempt.</summary>
    Unavailable = 2,
    /// <summary>The server refused the message or the recipient.</summary>
    Refused = 3,
}

public sealed record MailResult(MailError Error, string? Message)
{
    public bool IsSuccess => Error == MailError.None;
    public static readonly MailResult Sent = new(MailError.None, null);
}
