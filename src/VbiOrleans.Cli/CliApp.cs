using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Cli;

/// <summary>
/// <c>vbi</c>, the operator's command line for a VbiOrleans server. <see cref="RunAsync"/> is the whole program, so
/// tests run it in-process with their own writers and environment.
/// </summary>
public static partial class CliApp
{
    public const string ServerVariable = "VBI_SERVER";
    public const string OperatorVariable = "VBI_OPERATOR";
    public const string OperatorKeyVariable = "VBI_OPERATOR_KEY";
    public const string DefaultOperator = "operator";

    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        CliEnvironment? environment = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var root = new Commands(stdout, stderr, environment ?? CliEnvironment.Process).Root;
        var parse = root.Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }

    /// <summary>The command tree, bound to one run's writers and environment.</summary>
    private sealed partial class Commands
    {
        private readonly TextWriter _out;
        private readonly TextWriter _err;
        private readonly CliEnvironment _env;

        private readonly Option<string> _server = new("--server", "-s")
        {
            Description = $"The server's base URL [default: ${ServerVariable}, else {VbiClientOptions.DefaultBaseAddress}]",
            HelpName = "URL",
            Recursive = true,
        };

        private readonly Option<bool> _json = new("--json")
        {
            Description = "Print the result as JSON (for scripts) instead of text",
            Recursive = true,
        };

        private readonly Option<string> _operator = new("--operator")
        {
            Description = $"The operator name [default: ${OperatorVariable}, else '{DefaultOperator}']",
            HelpName = "NAME",
            Recursive = true,
        };

        private readonly Option<string> _operatorKeyFile = new("--operator-key-file")
        {
            Description = $"A file holding the operator key [default: the key in ${OperatorKeyVariable}]. The key itself is never taken from the command line",
            HelpName = "PATH",
            Recursive = true,
        };

        public Commands(TextWriter stdout, TextWriter stderr, CliEnvironment environment)
        {
            _out = stdout;
            _err = stderr;
            _env = environment;
            Root = Build();
        }

        public RootCommand Root { get; }

        private RootCommand Build()
        {
            var root = new RootCommand("vbi: buy and print postage with a VbiOrleans meter (register, login, fund, print, refund, verify, history), and operate the server (status, modules).")
            {
                HelpName = "vbi",
            };
            root.Options.Add(_server);
            root.Options.Add(_json);
            root.Options.Add(_operator);
            root.Options.Add(_operatorKeyFile);

            var status = new Command("status", "Show whether the server is live and ready, with each readiness check. Exit 0 when ready, 3 when not ready or unreachable.");
            status.SetAction((parse, token) => RunAsync(parse, needsOperator: false, token, StatusAsync));
            root.Subcommands.Add(status);

            var modules = new Command("modules", "The crypto-module table (operator credentials required).");
            root.Subcommands.Add(modules);

            var list = new Command("list", "List every registered crypto module with its last transaction.");
            list.SetAction((parse, token) => RunAsync(parse, needsOperator: true, token, ListAsync));
            modules.Subcommands.Add(list);

            var show = new Command("show", "Show one crypto module. Exit 4 when the serial is not registered.");
            var showSerial = SerialArgument();
            show.Arguments.Add(showSerial);
            show.SetAction((parse, token) => RunAsync(parse, needsOperator: true, token,
                (run, t) => ShowAsync(run, parse.GetRequiredValue(showSerial), t)));
            modules.Subcommands.Add(show);

            var register = new Command("register", "Register a crypto module. Repeating the same registration is harmless; a different label for a registered serial is refused (exit 2).");
            var registerSerial = SerialArgument();
            var label = new Option<string>("--label", "-l") { Description = "A label for people, e.g. where the module is installed", HelpName = "TEXT" };
            register.Arguments.Add(registerSerial);
            register.Options.Add(label);
            register.SetAction((parse, token) => RunAsync(parse, needsOperator: true, token,
                (run, t) => RegisterAsync(run, parse.GetRequiredValue(registerSerial), parse.GetValue(label), t)));
            modules.Subcommands.Add(register);

            var retire = new Command("retire", "Take a crypto module out of service; its row stays in the table.");
            var retireSerial = SerialArgument();
            retire.Arguments.Add(retireSerial);
            retire.SetAction((parse, token) => RunAsync(parse, needsOperator: true, token,
                (run, t) => RetireAsync(run, parse.GetRequiredValue(retireSerial), t)));
            modules.Subcommands.Add(retire);

            AddCustomerCommands(root);
            AddRateCommands(root);
            AddAddressCommands(root);
            AddPrinterCommands(root);
            AddScanFormCommands(root);
            AddPlanCommands(root);
            AddPayCommands(root);
            AddExitCodesToHelp(root);
            return root;
        }

        private static Argument<string> SerialArgument() => new("SERIAL") { Description = "The crypto module's serial, e.g. CM-000123" };

        /// <summary>Every help page ends with the exit code table.</summary>
        private static void AddExitCodesToHelp(RootCommand root)
        {
            foreach (var help in root.Options.OfType<HelpOption>())
            {
                if (help.Action is HelpAction action) help.Action = new HelpWithExitCodes(action);
            }
        }

        /// <summary>The standard help, then the exit codes.</summary>
        private sealed class HelpWithExitCodes(HelpAction help) : SynchronousCommandLineAction
        {
            public override bool ClearsParseErrors => true;

            public override int Invoke(ParseResult parseResult)
            {
                var result = help.Invoke(parseResult);
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(ExitCodes.HelpText);
                output.WriteLine();
                return result;
            }
        }

        // ---- running a command ---------------------------------------------------------------------------------

        /// <summary>What a command runs with: the client, and whether to print JSON.</summary>
        private sealed record Run(VbiClient Client, bool Json);

        /// <summary>Settings from options and environment, then the command; SDK failures become exit codes.</summary>
        private async Task<int> RunAsync(ParseResult parse, bool needsOperator, CancellationToken cancellationToken,
            Func<Run, CancellationToken, Task<int>> command)
        {
            var options = new VbiClientOptions { Timeout = _env.Timeout, Product = ClientHeader.CliProduct, ProductVersion = CliVersion };

            var serverFromOption = parse.GetValue(_server);
            var server = serverFromOption ?? NullIfBlank(_env.GetVariable(ServerVariable)) ?? VbiClientOptions.DefaultBaseAddress.AbsoluteUri;
            if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            {
                return Usage($"{(serverFromOption is null ? ServerVariable : "--server")} must be an absolute http:// or https:// URL, not '{server}'");
            }
            options.BaseAddress = address;

            if (needsOperator)
            {
                options.OperatorName = NullIfBlank(parse.GetValue(_operator)) ?? NullIfBlank(_env.GetVariable(OperatorVariable)) ?? DefaultOperator;
                var keyFile = parse.GetValue(_operatorKeyFile);
                if (keyFile is not null)
                {
                    try
                    {
                        options.OperatorKey = NullIfBlank(File.ReadAllText(keyFile).Trim());
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                    {
                        return Usage($"cannot read the operator key file '{keyFile}': {e.Message}");
                    }
                    if (options.OperatorKey is null) return Usage($"the operator key file '{keyFile}' is empty");
                }
                else
                {
                    options.OperatorKey = NullIfBlank(_env.GetVariable(OperatorKeyVariable)?.Trim());
                }
                if (options.OperatorKey is null)
                {
                    return Usage($"this command needs the operator key: set {OperatorKeyVariable} or give --operator-key-file PATH " +
                        "(a Local-profile server writes it to .vbi-local/operator.key)");
                }
            }

            using var client = _env.HttpHandler is null
                ? new VbiClient(options)
                : new VbiClient(options, _env.HttpHandler, disposeHandler: false);
            try
            {
                return await command(new Run(client, parse.GetValue(_json)), cancellationToken);
            }
            catch (VbiApiException e)
            {
                return Fail(e);
            }
        }

        private int Usage(string message)
        {
            _err.WriteLine($"error: {message}");
            return ExitCodes.Usage;
        }

        private int Fail(VbiApiException e)
        {
            _err.WriteLine($"error {e.Code}: {OneLine(e.Detail ?? e.Title ?? e.Message)}");
            if (e.Code == VbiErrorCodes.Unauthenticated)
            {
                _err.WriteLine($"hint: check the operator name (--operator, ${OperatorVariable}) and key (${OperatorKeyVariable} or --operator-key-file)");
            }
            if (e.Code == VbiErrorCodes.ClientUpgradeRequired) _err.WriteLine(UpgradeHint(e));
            return ExitCodes.For(e);
        }

        private void WriteJson<T>(T value) => _out.WriteLine(JsonSerializer.Serialize(value, VbiJson.Indented));

        // ---- commands ------------------------------------------------------------------------------------------

        private async Task<int> StatusAsync(Run run, CancellationToken cancellationToken)
        {
            var live = await run.Client.GetHealthAsync(ready: false, cancellationToken);
            var ready = await run.Client.GetHealthAsync(ready: true, cancellationToken);
            if (run.Json)
            {
                WriteJson(new { server = run.Client.BaseAddress.AbsoluteUri, live, ready });
            }
            else
            {
                _out.WriteLine($"server  {run.Client.BaseAddress.AbsoluteUri}");
                _out.WriteLine($"live    {live.Status}");
                _out.WriteLine($"ready   {ready.Status}");
                var width = ready.Checks.Count == 0 ? 0 : ready.Checks.Keys.Max(k => k.Length);
                foreach (var (name, check) in ready.Checks.OrderBy(c => c.Key, StringComparer.Ordinal))
                {
                    _out.WriteLine($"  {name.PadRight(width)}  {check.Status,-9}  {OneLine(check.Description ?? "")}".TrimEnd());
                }
            }
            if (live.IsUp && ready.IsUp) return ExitCodes.Ok;
            _err.WriteLine($"not ready: live {live.Status}, ready {ready.Status}");
            return ExitCodes.Unavailable;
        }

        private async Task<int> ListAsync(Run run, CancellationToken cancellationToken)
        {
            var rows = await run.Client.ListModulesAsync(cancellationToken);
            if (run.Json)
            {
                WriteJson(rows);
                return ExitCodes.Ok;
            }
            if (rows.Count == 0)
            {
                _out.WriteLine("no crypto modules are registered");
                return ExitCodes.Ok;
            }
            var table = new List<string[]> { new[] { "SERIAL", "LABEL", "STATE", "LAST TRANSACTION", "COUNT" } };
            table.AddRange(rows.OrderBy(r => r.Serial, StringComparer.Ordinal).Select(r => new[]
            {
                r.Serial, OneLine(r.Label), r.State, LastTransaction(r) ?? "-", r.TransactionCount.ToString(CultureInfo.InvariantCulture),
            }));
            WriteTable(table, rightAligned: 4);
            return ExitCodes.Ok;
        }

        private async Task<int> ShowAsync(Run run, string serial, CancellationToken cancellationToken)
        {
            var row = await run.Client.GetModuleAsync(serial, cancellationToken);
            if (row is null)
            {
                _err.WriteLine($"error {VbiErrorCodes.ModuleNotRegistered}: module {serial} is not registered");
                return ExitCodes.NotFound;
            }
            WriteRow(run, row, headline: null);
            return ExitCodes.Ok;
        }

        private async Task<int> RegisterAsync(Run run, string serial, string? label, CancellationToken cancellationToken)
        {
            var row = await run.Client.RegisterModuleAsync(serial, label, cancellationToken);
            WriteRow(run, row, $"registered crypto module {row.Serial}");
            return ExitCodes.Ok;
        }

        private async Task<int> RetireAsync(Run run, string serial, CancellationToken cancellationToken)
        {
            var row = await run.Client.RetireModuleAsync(serial, cancellationToken);
            WriteRow(run, row, $"retired crypto module {row.Serial}");
            return ExitCodes.Ok;
        }

        // ---- output --------------------------------------------------------------------------------------------

        private void WriteRow(Run run, ModuleRow row, string? headline)
        {
            if (run.Json)
            {
                WriteJson(row);
                return;
            }
            if (headline is not null) _out.WriteLine(headline);
            WriteTable(
            [
                ["serial", row.Serial],
                ["label", OneLine(row.Label)],
                ["state", row.State],
                ["registered", Time(row.RegisteredAt)],
                ["last transaction", LastTransaction(row) is { } last ? $"{last}{Sequence(row)}" : "none"],
                ["transactions", row.TransactionCount.ToString(CultureInfo.InvariantCulture)],
            ], rightAligned: -1);
        }

        private static string Sequence(ModuleRow row) =>
            row.LastTransactionSequence is { } sequence ? string.Create(CultureInfo.InvariantCulture, $" sequence {sequence}") : "";

        /// <summary>"2025-01-02 03:04:05Z Print $1.234 meter M-1", or null when the module has processed nothing.</summary>
        internal static string? LastTransaction(ModuleRow row)
        {
            if (row.LastTransactionAt is null && row.LastTransactionKind is null) return null;
            var parts = new List<string>();
            if (row.LastTransactionAt is { } at) parts.Add(Time(at));
            if (row.LastTransactionKind is { } kind) parts.Add(kind);
            if (row.ToDollars() is { } dollars) parts.Add(dollars);
            if (row.LastTransactionMeterId is { } meter) parts.Add($"meter {meter}");
            return string.Join(" ", parts);
        }

        private static string Time(DateTimeOffset at) =>
            at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        private void WriteTable(IReadOnlyList<string[]> rows, int rightAligned)
        {
            var widths = new int[rows[0].Length];
            foreach (var row in rows)
            {
                for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
            }
            foreach (var row in rows)
            {
                var cells = row.Select((cell, i) => i == row.Length - 1 && i != rightAligned
                    ? cell
                    : i == rightAligned ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
                _out.WriteLine(string.Join("  ", cells).TrimEnd());
            }
        }

        private static string OneLine(string text) => text.ReplaceLineEndings(" ");

        private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
    }
}
