namespace VbiOrleans.Cli;

/// <summary>What <see cref="CliApp"/> takes from its surroundings; tests replace it.</summary>
public sealed class CliEnvironment
{
    /// <summary>The process environment.</summary>
    public static CliEnvironment Process { get; } = new();

    /// <summary>Reads an environment variable (VBI_SERVER, VBI_OPERATOR, VBI_OPERATOR_KEY).</summary>
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>The HTTP handler to use instead of a real connection; not disposed by the CLI.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>The time allowed per request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}
