using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace VbiOrleans.PostalAuthority;

/// <summary>Where and how to reach the postal authority's SFTP server (section <c>Vbi:Provider:Sftp</c>).</summary>
public sealed class SftpSettings
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 22;
    public string User { get; set; } = "";
    /// <summary>The private key file (OpenSSH format) the account logs in with; never logged.</summary>
    public string KeyFile { get; set; } = "";
    /// <summary>The server's host key fingerprint as <c>ssh-keygen -l</c> prints it: <c>SHA256:</c> and unpadded base64. Any other key is refused.</summary>
    public string HostKeyFingerprint { get; set; } = "";
    /// <summary>The remote folder our files go to.</summary>
    public string InboundFolder { get; set; } = "inbound";
    /// <summary>The remote folder the postal authority's answers are read from.</summary>
    public string OutboundFolder { get; set; } = "outbound";
    /// <summary>The bound on connecting and on each SFTP operation.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public void Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(Host)) throw new InvalidOperationException($"{section}:Host is required");
        if (Port is < 1 or > 65535) throw new InvalidOperationException($"{section}:Port must be 1 to 65535");
        if (string.IsNullOrWhiteSpace(User)) throw new InvalidOperationException($"{section}:User is required");
        if (string.IsNullOrWhiteSpace(KeyFile) || !File.Exists(KeyFile)) throw new InvalidOperationException($"{section}:KeyFile must name an existing private key file");
        if (!HostKeyFingerprint.StartsWith("SHA256:", StringComparison.Ordinal) || HostKeyFingerprint.Length < 20)
            throw new InvalidOperationException($"{section}:HostKeyFingerprint must be the server's SHA256 host key fingerprint (SHA256:…, as ssh-keygen -l prints it)");
        if (OperationTimeout <= TimeSpan.Zero || OperationTimeout > TimeSpan.FromMinutes(10))
            throw new InvalidOperationException($"{section}:OperationTimeout must be positive and at most 10 minutes");
    }
}

/// <summary>
/// The postal authority's SFTP server through SSH.NET: key authentication, the host key pinned by its SHA-256
/// fingerprint, one connection per operation (a provider run sends a few files a day; nothing to keep open).
/// An upload writes a temporary name, renames it, then checks the listing and the size.
/// </summary>
public sealed class SftpPostalAuthority(SftpSettings settings) : IPostalAuthorityTransport
{
    public string Description => $"sftp://{settings.User}@{settings.Host}:{settings.Port}/{settings.InboundFolder}";

    public Task<PostalTransferResult> UploadAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (!PostalFileNames.IsValid(name)) throw new ArgumentException($"'{name}' is not a postal file name", nameof(name));
        return WithClientAsync(async (client, cancellationToken) =>
        {
            var folder = settings.InboundFolder.TrimEnd('/');
            if (!await client.ExistsAsync(folder, cancellationToken)) await client.CreateDirectoryAsync(folder, cancellationToken);
            var target = folder + "/" + name;
            if (await client.ExistsAsync(target, cancellationToken))
            {
                using var existing = new MemoryStream();
                await client.DownloadFileAsync(target, existing, cancellationToken);
                return existing.ToArray().AsSpan().SequenceEqual(content.Span)
                    ? new PostalTransferResult(PostalTransferError.None, null, target, existing.Length)
                    : PostalTransferResult.Fail(PostalTransferError.DifferentFileExists, $"{target} already holds a different file of {existing.Length} bytes");
            }
            var temporary = folder + "/" + PostalFileNames.Temporary(name);
            if (await client.ExistsAsync(temporary, cancellationToken)) await client.DeleteFileAsync(temporary, cancellationToken);
            using (var stream = new MemoryStream(content.ToArray(), writable: false))
            {
                await client.UploadFileAsync(stream, temporary, cancellationToken);
            }
            await client.RenameFileAsync(temporary, target, cancellationToken);
            return new PostalTransferResult(PostalTransferError.None, null, target, null);
        }, name, cancellationToken);
    }

    public Task<PostalTransferResult> VerifyAsync(string name, long size, CancellationToken cancellationToken) =>
        WithClientAsync(async (client, cancellationToken) =>
        {
            var folder = settings.InboundFolder.TrimEnd('/');
            ISftpFile? listed = null;
            await foreach (var file in client.ListDirectoryAsync(folder, cancellationToken))
            {
                if (file.Name == name) listed = file;
            }
            return listed is not null && listed.Length == size
                ? new PostalTransferResult(PostalTransferError.None, null, folder + "/" + name, listed.Length)
                : PostalTransferResult.Fail(PostalTransferError.NotVerified,
                    $"{folder}/{name} is {(listed is null ? "not listed" : $"listed with {listed.Length} bytes")}, not {size} bytes");
        }, "the inbound listing", cancellationToken);

    public async Task<IReadOnlyList<string>> ListAnswersAsync(CancellationToken cancellationToken)
    {
        var result = await WithClientAsync<IReadOnlyList<string>>(async (client, cancellationToken) =>
        {
            var folder = settings.OutboundFolder.TrimEnd('/');
            if (!await client.ExistsAsync(folder, cancellationToken)) return [];
            var names = new List<string>();
            await foreach (var file in client.ListDirectoryAsync(folder, cancellationToken))
            {
                if (file.IsRegularFile && PostalFileNames.IsValid(file.Name)) names.Add(file.Name);
            }
            return [.. names.Order(StringComparer.Ordinal)];
        }, "the outbound listing", cancellationToken);
        return result;
    }

    public Task<byte[]> ReadAnswerAsync(string name, int maxBytes, CancellationToken cancellationToken)
    {
        if (!PostalFileNames.IsValid(name)) throw new ArgumentException($"'{name}' is not a postal file name", nameof(name));
        return WithClientAsync(async (client, cancellationToken) =>
        {
            var path = settings.OutboundFolder.TrimEnd('/') + "/" + name;
            var attributes = await client.GetAttributesAsync(path, cancellationToken);
            if (attributes.Size > maxBytes) throw new PostalTransferException(PostalTransferError.Refused, $"{path} is longer than {maxBytes} bytes");
            using var buffer = new MemoryStream();
            await client.DownloadFileAsync(path, buffer, cancellationToken);
            return buffer.ToArray();
        }, name, cancellationToken);
    }

    /// <summary>
    /// Runs one operation on a fresh connection, the whole of it bounded by <see cref="MaxOperationSteps"/> times the
    /// operation timeout (SSH.NET's own timeout does not cover every asynchronous call). Failures come back as
    /// <see cref="PostalTransferException"/> with a named reason (for uploads, as a failed result): the caller retries.
    /// </summary>
    private async Task<T> WithClientAsync<T>(Func<SftpClient, CancellationToken, Task<T>> operation, string what, CancellationToken cancellationToken)
    {
        // SSH.NET blocks its caller's thread in places (a connect's key exchange; Disconnect and Dispose wait for the
        // session's listener, sshnet/SSH.NET#1552). On a grain's scheduler that block also holds the continuations it
        // waits for, and every interleaved call of the grain. So the connection runs on the thread pool, and the caller
        // waits at most the whole bound and one more operation timeout.
        var limit = settings.OperationTimeout * (MaxOperationSteps + 1);
        try
        {
            return await Task.Run(() => OnConnectionAsync(operation, what, cancellationToken), CancellationToken.None).WaitAsync(limit, cancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new PostalTransferException(PostalTransferError.Unreachable, $"{what} at {settings.Host}:{settings.Port} did not finish within {limit}", e);
        }
    }

    private async Task<T> OnConnectionAsync<T>(Func<SftpClient, CancellationToken, Task<T>> operation, string what, CancellationToken cancellationToken)
    {
        var presented = "";
        using var key = new PrivateKeyFile(settings.KeyFile);
        var connection = new ConnectionInfo(settings.Host, settings.Port, settings.User, new PrivateKeyAuthenticationMethod(settings.User, key))
        {
            Timeout = settings.OperationTimeout,
        };
        using var client = new SftpClient(connection) { OperationTimeout = settings.OperationTimeout };
        client.HostKeyReceived += (_, e) =>
        {
            presented = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = string.Equals(presented, settings.HostKeyFingerprint, StringComparison.Ordinal);
        };
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(settings.OperationTimeout * MaxOperationSteps);
        // The connection alone gets one operation timeout: SSH.NET's own does not cover every step of an asynchronous
        // connect, and a key exchange the server never finishes would otherwise hold the whole bound.
        using var connecting = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
        connecting.CancelAfter(settings.OperationTimeout);
        try
        {
            await client.ConnectAsync(connecting.Token);
        }
        catch (SshConnectionException e) when (presented.Length > 0 && presented != settings.HostKeyFingerprint)
        {
            throw new PostalTransferException(PostalTransferError.HostKeyMismatch,
                $"the server at {settings.Host}:{settings.Port} presented host key {presented}, not the configured {settings.HostKeyFingerprint}", e);
        }
        catch (Exception e) when (e is SshException or System.Net.Sockets.SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            throw new PostalTransferException(PostalTransferError.Unreachable, $"connecting to {settings.Host}:{settings.Port} failed: {e.Message}", e);
        }
        try
        {
            return await operation(client, bound.Token);
        }
        catch (PostalTransferException)
        {
            throw;
        }
        catch (Exception e) when (e is SftpPermissionDeniedException or SftpPathNotFoundException or SshException)
        {
            throw new PostalTransferException(PostalTransferError.Refused, $"the server refused {what}: {e.Message}", e);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException or TimeoutException)
        {
            throw new PostalTransferException(PostalTransferError.Unreachable, $"the connection broke or timed out during {what}: {e.Message}", e);
        }
        finally
        {
            if (client.IsConnected) client.Disconnect();
        }
    }

    /// <summary>How many operation timeouts one connection and its operation may take in all.</summary>
    private const int MaxOperationSteps = 6;

    private Task<PostalTransferResult> WithClientAsync(Func<SftpClient, CancellationToken, Task<PostalTransferResult>> upload, string name,
        CancellationToken cancellationToken) =>
        CatchAsResult(WithClientAsync<PostalTransferResult>(upload, name, cancellationToken));

    private static async Task<PostalTransferResult> CatchAsResult(Task<PostalTransferResult> upload)
    {
        try
        {
            return await upload;
        }
        catch (PostalTransferException e)
        {
            return PostalTransferResult.Fail(e.Error, e.Message);
        }
    }
}
