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

    /// <summary>
    /// Asks the person at the terminal for a secret (the prompt is the argument); null when nobody can answer (input
    /// redirected). Passwords otherwise come from VBI_PASSWORD / VBI_NEW_PASSWORD, never from the command line.
    /// </summary>
    public Func<string, string?> ReadSecret { get; init; } = Prompt;

    private static string? Prompt(string prompt)
    {
        if (Console.IsInputRedirected) return null;
        Console.Error.Write(prompt);
        var text = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (text.Length > 0) text.Length--; }
            else if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        Console.Error.WriteLine();
        return text.ToString();
    }
}
