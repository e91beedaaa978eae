using Microsoft.Extensions.Options;

namespace VbiOrleans.Mail;

/// <summary>
/// The Local profile's mail when no SMTP server is configured: each message is written to the folder as
/// <c>{message id}.eml</c>, which any mail reader opens. Writing the same message again replaces its file.
/// </summary>
public sealed class FolderMailSender(string folder, IOptions<MailOptions> options, TimeProvider clock) : IMailSender
{
    public string Destination => "folder:" + folder;

    public async Task<MailResult> SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        if (MimeMessages.From(message, options.Value.From, clock.GetUtcNow()) is not { } mime)
            return new MailResult(MailError.InvalidRecipient, "the recipient is not a mail address");
        Directory.CreateDirectory(folder);
        var name = string.Concat(message.MessageId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')) + ".eml";
        var temporary = Path.Combine(folder, name + ".tmp");
        await mime.WriteToAsync(temporary, cancellationToken);
        File.Move(temporary, Path.Combine(folder, name), overwrite: true);
        return MailResult.Sent;
    }
}
