using MimeKit;

namespace VbiOrleans.Mail;

/// <summary>Our <see cref="MailMessage"/> as a MIME message: text body, attachments, the given Message-Id.</summary>
internal static class MimeMessages
{
    public static MimeMessage? From(MailMessage message, string from, DateTimeOffset date)
    {
        if (!MailboxAddress.TryParse(message.To, out var to) || !MailboxAddress.TryParse(from, out var sender)) return null;
        var mime = new MimeMessage { Subject = message.Subject, MessageId = message.MessageId, Date = date };
        mime.From.Add(sender);
        mime.To.Add(to);
        var body = new BodyBuilder { TextBody = message.TextBody };
        foreach (var attachment in message.Attachments)
        {
            body.Attachments.Add(attachment.FileName, attachment.Content, ContentType.Parse(attachment.ContentType));
        }
        mime.Body = body.ToMessageBody();
        return mime;
    }
}
