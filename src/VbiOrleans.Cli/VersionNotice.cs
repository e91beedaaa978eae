using System.Reflection;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    /// <summary>How often a customer command asks the server whether a newer CLI exists.</summary>
    public static readonly TimeSpan VersionCheckInterval = TimeSpan.FromDays(1);

    /// <summary>This CLI's version, sent as <c>Vbi-Client: vbi-cli/VERSION</c>.</summary>
    public static string CliVersion { get; } =
        (typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    private static string UpgradeHint(VbiApiException e)
    {
        var latest = e.Extensions.TryGetValue("latest", out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;
        return $"hint: this vbi is {CliVersion}; install {latest ?? "the latest"}: dotnet tool update --global vbi";
    }

    private sealed partial class Commands
    {
        /// <summary>
        /// After a customer command, at most once a day: the server's signed client versions, verified under the pinned
        /// module key, and one line on stderr when a newer CLI exists (stdout, and so --json output, is untouched). Without a
        /// pinned key there is nothing to verify against, so nothing is asked. A failed check never fails the command.
        /// </summary>
        private async Task NoticeNewerVersionAsync(VbiClient client, CliHome home, CancellationToken cancellationToken)
        {
            CliConfig config;
            try
            {
                config = home.Load(); // again: the command may have saved it
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                return;
            }
            var now = DateTimeOffset.UtcNow;
            if (config.ModuleKey is null || (config.VersionsCheckedAt is { } last && now - last < VersionCheckInterval && now >= last)) return;
            ClientVersions versions;
            try
            {
                versions = await client.GetClientVersionsAsync(Convert.FromBase64String(config.ModuleKey), cancellationToken);
            }
            catch (VbiApiException e) when (e.Code == VbiErrorCodes.ResponseNotAuthentic)
            {
                _err.WriteLine("warning: the server's client versions do not verify under the pinned module key; ignored");
                return;
            }
            catch (VbiApiException)
            {
                return; // an older server without the document, or the network: try again next time
            }
            config.VersionsCheckedAt = now;
            try
            {
                home.Save(config);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not remembered: the notice may come again next time, which is harmless.
            }
            if (versions.UpdateAvailable)
            {
                _err.WriteLine($"notice: vbi {versions.Latest} is available (this is {versions.Current}): dotnet tool update --global vbi");
            }
        }
    }
}
