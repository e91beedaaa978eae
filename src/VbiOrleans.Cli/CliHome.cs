using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Cli;

/// <summary>What <c>vbi</c> remembers between runs (config.json). The token is a secret: the file is mode 0600.</summary>
internal sealed class CliConfig
{
    public string? Server { get; set; }
    public string? Email { get; set; }
    public string? CustomerId { get; set; }
    public string? Token { get; set; }
    public DateTimeOffset? TokenExpiresAt { get; set; }
    public string? MeterId { get; set; }
    public string? LicensingZip { get; set; }
    /// <summary>The pinned module identity key (SubjectPublicKeyInfo, base64).</summary>
    public string? ModuleKey { get; set; }
    /// <summary>The idempotency key of a meter license asked for and not yet confirmed, so a re-run takes no second meter.</summary>
    public string? PendingLicenseKey { get; set; }
    /// <summary>When this CLI last asked the server for the client versions (at most once a day, CliApp.VersionCheckInterval).</summary>
    public DateTimeOffset? VersionsCheckedAt { get; set; }
}

/// <summary>
/// The CLI's directory: <c>$VBI_HOME</c>, else <c>$XDG_CONFIG_HOME/vbi</c>, else <c>~/.config/vbi</c> (mode 0700).
/// <c>config.json</c> (server, account, token, meter, pinned module key), <c>meters/ID.hmk</c> (the HMK, base64) and
/// <c>meters/ID.session.json</c> (the challenge chain between runs), all mode 0600 and written atomically.
/// </summary>
internal sealed class CliHome(string directory)
{
    private static readonly JsonSerializerOptions Json = new(VbiJson.Indented);

    public string Directory { get; } = directory;

    public static CliHome Resolve(CliEnvironment env)
    {
        if (env.GetVariable("VBI_HOME") is { Length: > 0 } home) return new CliHome(Path.GetFullPath(home));
        var config = env.GetVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(env.GetVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new CliHome(Path.Combine(config, "vbi"));
    }

    public CliConfig Load()
    {
        var path = Path.Combine(Directory, "config.json");
        if (!File.Exists(path)) return new CliConfig();
        return JsonSerializer.Deserialize<CliConfig>(File.ReadAllBytes(path), Json) ?? new CliConfig();
    }

    public void Save(CliConfig config) => Write("config.json", JsonSerializer.SerializeToUtf8Bytes(config, Json));

    public byte[]? ReadHmk(string meterId)
    {
        var path = Path.Combine(Directory, "meters", meterId + ".hmk");
        return File.Exists(path) ? Convert.FromBase64String(File.ReadAllText(path).Trim()) : null;
    }

    public string HmkPath(string meterId) => Path.Combine(Directory, "meters", meterId + ".hmk");

    public void WriteHmk(string meterId, byte[] hmk) => Write(Path.Combine("meters", meterId + ".hmk"), System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(hmk) + "\n"));

    public ChainState? ReadSession(string meterId)
    {
        var path = Path.Combine(Directory, "meters", meterId + ".session.json");
        if (!File.Exists(path)) return null;
        var saved = JsonSerializer.Deserialize<SavedChain>(File.ReadAllBytes(path), Json);
        return saved is null ? null : new ChainState(Convert.FromBase64String(saved.SessionId), Convert.FromBase64String(saved.Challenge), saved.AscendingMills, saved.DescendingMills);
    }

    public void WriteSession(string meterId, ChainState state) =>
        Write(Path.Combine("meters", meterId + ".session.json"), JsonSerializer.SerializeToUtf8Bytes(new SavedChain(Convert.ToBase64String(state.SessionId.Span),
            Convert.ToBase64String(state.Challenge.Span), state.AscendingMills, state.DescendingMills), Json));

    public void DeleteSession(string meterId) => File.Delete(Path.Combine(Directory, "meters", meterId + ".session.json"));

    /// <summary>Writes a file readable by its owner only: a temporary file made with mode 0600, then renamed over the old one.</summary>
    private void Write(string relative, byte[] bytes)
    {
        var path = Path.Combine(Directory, relative);
        var folder = Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) System.IO.Directory.CreateDirectory(folder);
        else System.IO.Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        {
            file.Write(bytes);
            file.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record SavedChain(string SessionId, string Challenge, long AscendingMills, long DescendingMills);
}
