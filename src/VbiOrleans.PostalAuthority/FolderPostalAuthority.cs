namespace VbiOrleans.PostalAuthority;

/// <summary>
/// The postal authority as two folders on this machine (the Local profile): <c>inbound/</c> for our files and
/// <c>outbound/</c> for its answers, under <paramref name="root"/>. The same steps as SFTP: temporary name, rename,
/// then the listing and size checked.
/// </summary>
public sealed class FolderPostalAuthority(string root) : IPostalAuthorityTransport
{
    private readonly string _inbound = Path.Combine(root, "inbound");
    private readonly string _outbound = Path.Combine(root, "outbound");

    public string Description => $"folder {root}";

    public async Task<PostalTransferResult> UploadAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (!PostalFileNames.IsValid(name)) throw new ArgumentException($"'{name}' is not a postal file name", nameof(name));
        try
        {
            Directory.CreateDirectory(_inbound);
            var target = Path.Combine(_inbound, name);
            if (File.Exists(target))
            {
                var existing = await File.ReadAllBytesAsync(target, cancellationToken);
                return existing.AsSpan().SequenceEqual(content.Span)
                    ? new PostalTransferResult(PostalTransferError.None, null, target, existing.Length)
                    : PostalTransferResult.Fail(PostalTransferError.DifferentFileExists, $"{target} already holds a different file of {existing.Length} bytes");
            }
            var temporary = Path.Combine(_inbound, PostalFileNames.Temporary(name));
            await File.WriteAllBytesAsync(temporary, content.ToArray(), cancellationToken);
            File.Move(temporary, target, overwrite: false);
            return new PostalTransferResult(PostalTransferError.None, null, target, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return PostalTransferResult.Fail(PostalTransferError.Refused, $"writing {name} to {_inbound} failed: {e.Message}");
        }
    }

    public Task<PostalTransferResult> VerifyAsync(string name, long size, CancellationToken cancellationToken)
    {
        var listed = Directory.Exists(_inbound) ? new DirectoryInfo(_inbound).GetFiles().SingleOrDefault(f => f.Name == name) : null;
        return Task.FromResult(listed is not null && listed.Length == size
            ? new PostalTransferResult(PostalTransferError.None, null, listed.FullName, listed.Length)
            : PostalTransferResult.Fail(PostalTransferError.NotVerified,
                $"{Path.Combine(_inbound, name)} is {(listed is null ? "not listed" : $"listed with {listed.Length} bytes")}, not {size} bytes"));
    }

    public Task<IReadOnlyList<string>> ListAnswersAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_outbound)) return Task.FromResult<IReadOnlyList<string>>([]);
        IReadOnlyList<string> names = [.. Directory.GetFiles(_outbound).Select(Path.GetFileName).OfType<string>()
            .Where(PostalFileNames.IsValid).Order(StringComparer.Ordinal)];
        return Task.FromResult(names);
    }

    public async Task<byte[]> ReadAnswerAsync(string name, int maxBytes, CancellationToken cancellationToken)
    {
        if (!PostalFileNames.IsValid(name)) throw new ArgumentException($"'{name}' is not a postal file name", nameof(name));
        var path = Path.Combine(_outbound, name);
        if (new FileInfo(path).Length > maxBytes) throw new PostalTransferException(PostalTransferError.Refused, $"{path} is longer than {maxBytes} bytes");
        return await File.ReadAllBytesAsync(path, cancellationToken);
    }
}
