using System.Security.Cryptography;
using VbiOrleans.PostalAuthority;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Provider;

/// <summary>The SFTP adapter against the postal authority's real server (Debian's OpenSSH, chrooted account, key login).</summary>
[Trait("Services", "SFTP")]
public sealed class SftpPostalAuthorityTests
{
    private static SftpSettings Settings(string folder, string? fingerprint = null, int? port = null) => new()
    {
        Host = LocalServices.Require("VBI_SFTP_HOST"),
        Port = port ?? int.Parse(LocalServices.Require("VBI_SFTP_PORT"), System.Globalization.CultureInfo.InvariantCulture),
        User = LocalServices.Require("VBI_SFTP_USER"),
        KeyFile = LocalServices.Require("VBI_SFTP_KEY_FILE"),
        HostKeyFingerprint = fingerprint ?? ProviderWorld.HostKeyFingerprint(),
        InboundFolder = "inbound/" + folder,
        OutboundFolder = "outbound/" + folder,
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task An_upload_is_renamed_into_place_verified_by_the_listing_repeated_without_change_and_never_overwritten()
    {
        var folder = "t-" + Guid.NewGuid().ToString("N")[..8];
        var sftp = new SftpPostalAuthority(Settings(folder));
        var content = RandomNumberGenerator.GetBytes(3000);

        var first = await sftp.UploadAsync("f-1.txt", content, CancellationToken.None);
        Assert.True(first.IsSuccess, first.Message);
        Assert.True((await sftp.VerifyAsync("f-1.txt", content.Length, CancellationToken.None)).IsSuccess);
        var local = Path.Combine(LocalServices.Require("VBI_SFTP_ROOT"), "inbound", folder);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(local, "f-1.txt")));
        Assert.Equal(["f-1.txt"], Directory.GetFiles(local).Select(Path.GetFileName));

        Assert.True((await sftp.UploadAsync("f-1.txt", content, CancellationToken.None)).IsSuccess);
        var other = await sftp.UploadAsync("f-1.txt", RandomNumberGenerator.GetBytes(3000), CancellationToken.None);
        Assert.Equal(PostalTransferError.DifferentFileExists, other.Error);
        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(local, "f-1.txt")));
        Assert.Equal(PostalTransferError.NotVerified, (await sftp.VerifyAsync("f-1.txt", content.Length + 1, CancellationToken.None)).Error);
    }

    [Fact]
    public async Task A_server_with_another_host_key_or_none_at_the_address_is_refused_by_name()
    {
        var folder = "t-" + Guid.NewGuid().ToString("N")[..8];
        var impostor = await new SftpPostalAuthority(Settings(folder, fingerprint: "SHA256:" + new string('A', 43)))
            .UploadAsync("f-1.txt", new byte[] { 1, 2, 3 }, CancellationToken.None);
        Assert.Equal(PostalTransferError.HostKeyMismatch, impostor.Error);
        Assert.False(Directory.Exists(Path.Combine(LocalServices.Require("VBI_SFTP_ROOT"), "inbound", folder)));

        var nobody = await new SftpPostalAuthority(Settings(folder, port: FreePorts.Next()))
            .UploadAsync("f-1.txt", new byte[] { 1, 2, 3 }, CancellationToken.None);
        Assert.Equal(PostalTransferError.Unreachable, nobody.Error);
    }
}
