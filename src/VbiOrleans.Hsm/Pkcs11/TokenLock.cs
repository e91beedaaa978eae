namespace VbiOrleans.Hsm.Pkcs11;

/// <summary>
/// A lock shared by every process of this machine that makes keys on one token. PKCS#11 neither keeps labels unique nor
/// writes a key pair as one step (SoftHSM2 stores each object as its own file), so two hosts starting together could
/// both make a key under one label, or one could see the other's public key before its private key.
/// </summary>
/// <remarks>An exclusive <see cref="FileStream"/> is an advisory <c>flock</c> on Linux: the kernel drops it when the
/// holder exits, even by SIGKILL, so a crash never leaves the token locked.</remarks>
internal sealed class TokenLock : IDisposable
{
    private readonly FileStream _file;

    private TokenLock(FileStream file) => _file = file;

    public static string PathFor(string tokenLabel)
    {
        var safe = string.Concat(tokenLabel.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return Path.Combine(Path.GetTempPath(), $"vbi-pkcs11-{safe}.lock");
    }

    /// <summary>Waits for the lock on the calling thread (a PKCS#11 session's), up to <paramref name="timeout"/>.</summary>
    public static TokenLock Acquire(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        for (var pause = 5; ; pause = Math.Min(pause * 2, 100))
        {
            try
            {
                return new TokenLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(pause);
            }
            catch (IOException e)
            {
                throw new HsmException($"another process has held the key-generation lock {path} for over {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
