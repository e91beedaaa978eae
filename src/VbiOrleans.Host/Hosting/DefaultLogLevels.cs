using Microsoft.Extensions.Configuration.Memory;

namespace VbiOrleans.Host.Hosting;

/// <summary>
/// The log levels a host starts with, so that its console holds its own lines (start-up, warnings, errors) rather
/// than Orleans's placement retries, which Polly reports at Information many times a second. They are the first,
/// lowest configuration source: <c>Logging:LogLevel:&lt;category&gt;</c> in appsettings.json, the environment
/// (<c>Logging__LogLevel__Polly=Information</c>) or the command line overrides any of them. They live in code because
/// a host started from another directory than its own does not read its appsettings.json.
/// </summary>
public static class DefaultLogLevels
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
        ["Logging:LogLevel:Microsoft"] = "Warning",
        // Without a key encryptor (Local profile) it warns at every start about keys nobody here uses.
        ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
        // A host run from its build folder (not published) warns at every request for the portal's stylesheet that it
        // serves it from the project's wwwroot, which is what it is meant to do there.
        ["Logging:LogLevel:Microsoft.AspNetCore.StaticAssets"] = "Error",
    };

    public static void AddTo(ConfigurationManager configuration) =>
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Settings });
}
