using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace VbiOrleans.Mail;

/// <summary>
/// Sends over SMTP with MailKit: one connection per message, bounded attempts (<see cref="MailOptions.MaxAttempts"/>)
/// with a doubling wait, each attempt bounded by <see cref="MailOptions.Timeout"/>. A server that refuses the message
/// or the recipient is not retried. The password, if any, is read from its file and never logged.
/// </summary>
public sealed class SmtpMailSender(IOptions<MailOptions> options, TimeProvider clock, ILogger<SmtpMailSender> logger) : IMailSender
{
    private readonly MailOptions _options = options.Value;

    public string Destination => $"smtp://{_options.Host}:{_options.Port}";

    public async Task<MailResult> SendAsync(MailMessage message, CancellationToken cancellationToken)
    {
        if (MimeMessages.From(message, _options.From, clock.GetUtcNow()) is not { } mime)
            return new MailResult(MailError.InvalidRecipient, "the recipient is not a mail address");
        var delay = _options.RetryDelay;
        string? lastProblem = null;
        for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay, clock, cancellationToken);
                delay *= 2;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            try
            {
                using var client = new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
                await client.ConnectAsync(_options.Host ?? "localhost", _options.Port, SecureSocket(_options.Tls), timeout.Token);
                if (!string.IsNullOrEmpty(_options.UserName) && _options.PasswordFile is { } passwordFile)
                    await client.AuthenticateAsync(_options.UserName, (await File.ReadAllTextAsync(passwordFile, timeout.Token)).Trim(), timeout.Token);
                await client.SendAsync(mime, timeout.Token);
                await client.DisconnectAsync(quit: true, timeout.Token);
                return MailResult.Sent;
            }
            catch (SmtpCommandException e) when (e.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted or SmtpErrorCode.SenderNotAccepted
                                                  && (int)e.StatusCode is >= 500 and < 600)
            {
                return new MailResult(MailError.Refused, $"the server refused the message ({(int)e.StatusCode})");
            }
            catch (Exception e) when (e is IOException or SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException
                                          or System.Net.Sockets.SocketException or SslHandshakeException or AuthenticationException
                                          or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                lastProblem = e.GetType().Name;
                logger.LogWarning("Mail {MessageId} to {Destination}: attempt {Attempt} of {MaxAttempts} failed ({Problem})",
                    message.MessageId, Destination, attempt, _options.MaxAttempts, lastProblem);
            }
        }
        return new MailResult(MailError.Unavailable, $"{_options.MaxAttempts} attempts failed, the last with {lastProblem}");
    }

    private static SecureSocketOptions SecureSocket(MailTlsMode mode) => mode switch
    {
        MailTlsMode.None => SecureSocketOptions.None,
        MailTlsMode.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };
}
