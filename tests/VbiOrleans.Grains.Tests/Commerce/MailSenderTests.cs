using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VbiOrleans.Mail;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Commerce;

/// <summary>The mail adapter against maildev's real SMTP server (services.sh), read back through maildev's HTTP API.</summary>
public sealed class MailSenderTests
{
    private static MailOptions Options(string host, int port) => new()
    {
        Host = host, Port = port, Tls = MailTlsMode.None, From = "VbiOrleans billing <billing@vbiorleans.test>",
        MaxAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(10),
    };

    private static MailMessage Message(string id) => new($"{id}@example.com", $"Invoice {id}", "Total due: $0.50",
        [new MailAttachment($"{id}.pdf", "application/pdf", [.. "%PDF-1.7 test"u8, .. new byte[1000]])], $"{id}@invoices.vbiorleans");

    [Fact]
    public async Task A_message_with_its_attachment_reaches_maildev_over_smtp()
    {
        var host = LocalServices.Require("VBI_SMTP_HOST");
        var port = int.Parse(LocalServices.Require("VBI_SMTP_PORT"), System.Globalization.CultureInfo.InvariantCulture);
        var id = "inv-test-" + Guid.NewGuid().ToString("N")[..12];
        var sender = new SmtpMailSender(Microsoft.Extensions.Options.Options.Create(Options(host, port)), TimeProvider.System, NullLogger<SmtpMailSender>.Instance);

        var result = await sender.SendAsync(Message(id), CancellationToken.None);

        Assert.True(result.IsSuccess, result.Message);
        using var http = new HttpClient { BaseAddress = new Uri(LocalServices.Require("VBI_MAILDEV_URL")) };
        var emails = await http.GetFromJsonAsync<JsonElement>("/api/email");
        var email = Assert.Single(emails.EnumerateArray(), e => e.GetProperty("subject").GetString() == $"Invoice {id}");
        Assert.Equal($"{id}@example.com", Assert.Single(email.GetProperty("to").EnumerateArray()).GetProperty("address").GetString());
        var attachment = Assert.Single(email.GetProperty("attachments").EnumerateArray());
        Assert.Equal($"{id}.pdf", attachment.GetProperty("filename").GetString());
        Assert.Equal(1013, attachment.GetProperty("size").GetInt32());
    }

    [Fact]
    public async Task An_unreachable_server_is_tried_a_bounded_number_of_times_and_named_unavailable()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a port nobody listens on
        var sender = new SmtpMailSender(Microsoft.Extensions.Options.Options.Create(Options("127.0.0.1", port)), TimeProvider.System, NullLogger<SmtpMailSender>.Instance);
        var clock = Stopwatch.StartNew();

        var result = await sender.SendAsync(Message("unreachable"), CancellationToken.None);

        Assert.Equal(MailError.Unavailable, result.Error);
        Assert.Contains("3 attempts", result.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(20)); // waits 100 + 200 ms between the three
    }

    [Fact]
    public async Task Without_smtp_a_message_is_written_to_the_folder_once_per_message_id_and_a_bad_address_is_refused()
    {
        var folder = Path.Combine(Path.GetTempPath(), "vbi-mail-" + Guid.NewGuid().ToString("N"));
        try
        {
            var sender = new FolderMailSender(folder, Microsoft.Extensions.Options.Options.Create(new MailOptions()), TimeProvider.System);
            Assert.True((await sender.SendAsync(Message("inv-folder"), CancellationToken.None)).IsSuccess);
            Assert.True((await sender.SendAsync(Message("inv-folder"), CancellationToken.None)).IsSuccess);
            var file = Assert.Single(Directory.GetFiles(folder));
            Assert.EndsWith("inv-folder_invoices.vbiorleans.eml", file);
            var text = await File.ReadAllTextAsync(file);
            Assert.Contains("Subject: Invoice inv-folder", text);
            Assert.Contains("filename=inv-folder.pdf", text);
            Assert.Equal(MailError.InvalidRecipient, (await sender.SendAsync(Message("x") with { To = "not an address" }, CancellationToken.None)).Error);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
