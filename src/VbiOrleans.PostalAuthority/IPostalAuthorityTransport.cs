namespace VbiOrleans.PostalAuthority;

/// <summary>
/// How the provider files reach the postal authority and its answers come back: its SFTP server
/// (<see cref="SftpPostalAuthority"/>), or a folder under the data directory in the Local profile
/// (<see cref="FolderPostalAuthority"/>). Files we send go to the inbound folder; the postal authority's answers
/// are read from the outbound folder.
/// </summary>
public interface IPostalAuthorityTransport
{
    /// <summary>Where files go, for logs and the operators' view (no credentials).</summary>
    string Description { get; }

    /// <summary>
    /// Delivers a file under <paramref name="name"/> in the inbound folder: written under a temporary name, then
    /// renamed. A file of that name already there with the same bytes is success (the upload is idempotent); with
    /// other bytes it is <see cref="PostalTransferError.DifferentFileExists"/> and nothing is overwritten.
    /// </summary>
    Task<PostalTransferResult> UploadAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Checks the inbound folder's listing: the file is there with <paramref name="size"/> bytes.</summary>
    Task<PostalTransferResult> VerifyAsync(string name, long size, CancellationToken cancellationToken);

    /// <summary>The names of the files in the outbound folder (the postal authority's answers), in ordinal order.</summary>
    Task<IReadOnlyList<string>> ListAnswersAsync(CancellationToken cancellationToken);

    /// <summary>An answer file's bytes, up to <paramref name="maxBytes"/>; longer files fail.</summary>
    Task<byte[]> ReadAnswerAsync(string name, int maxBytes, CancellationToken cancellationToken);
}

/// <summary>Why a transfer failed: a named reason and a sentence (never a credential).</summary>
public enum PostalTransferError
{
    None = 0,
    /// <summary>The server could not be reached, refused the login or the host key, or the connection broke.</summary>
    Unreachable = 1,
    /// <summary>The server refused the write, the rename, or the listing (permissions, disk).</summary>
    Refused = 2,
    /// <summary>After the upload the listing did not show the file with its size.</summary>
    NotVerified = 3,
    /// <summary>A file of that name with other bytes is already there; nothing was overwritten.</summary>
    DifferentFileExists = 4,
    /// <summary>The server's host key is not the one configured.</summary>
    HostKeyMismatch = 5,
}

/// <summary>The outcome of one upload: where it landed and its size as the listing showed it, or the error.</summary>
public sealed record PostalTransferResult(PostalTransferError Error, string? Message, string? RemotePath, long? RemoteSize)
{
    public bool IsSuccess => Error == PostalTransferError.None;

    public static PostalTransferResult Fail(PostalTransferError error, string message) => new(error, message, null, null);
}

/// <summary>A failure of the transport that carries its named reason.</summary>
public sealed class PostalTransferException(PostalTransferError error, string message, Exception? inner = null) : Exception(message, inner)
{
    public PostalTransferError Error { get; } = error;
}

/// <summary>File names the transport accepts: letters, digits, '-', '_' and '.', no path.</summary>
public static class PostalFileNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 128 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>The temporary name a file is written under before its rename: never matched by the answer readers.</summary>
    public static string Temporary(string name) => "." + name + ".part";
}
