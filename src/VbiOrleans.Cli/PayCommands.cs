using System.CommandLine;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    private sealed partial class Commands
    {
        private void AddPayCommands(RootCommand root)
        {
            var pay = new Command("pay", "The account's payment methods: cards (a payment provider token) and US bank accounts for ACH debits.");

            var add = new Command("add", "Add a card from a payment provider token (--card tok_…), or a US bank account (--bank ROUTING ACCOUNT). "
                + "A bank account is debited only with the ACH debit authorization accepted: without --accept-ach-authorization its text is printed and nothing is added.");
            var card = new Option<string>("--card") { Description = "A card token from the payment provider (tok_visa in test mode)", HelpName = "TOKEN" };
            var bank = new Option<string[]>("--bank")
            {
                Description = "A US bank account: its 9-digit routing number and its 4 to 17 digit account number",
                HelpName = "ROUTING ACCOUNT",
                Arity = new ArgumentArity(2, 2),
                AllowMultipleArgumentsPerToken = true,
            };
            var holder = new Option<string>("--holder") { Description = "The account holder's name (at most 22 characters) [default: the account's name]", HelpName = "NAME" };
            var savings = new Option<bool>("--savings") { Description = "A savings account [default: checking]" };
            var accept = new Option<bool>("--accept-ach-authorization") { Description = "Accept the ACH debit authorization printed by `vbi pay add --bank` without it" };
            var key = IdempotencyOption();
            foreach (var option in new Option[] { card, bank, holder, savings, accept, key }) add.Options.Add(option);
            add.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) => PayAddAsync(run, parse.GetValue(card), parse.GetValue(bank),
                parse.GetValue(holder), parse.GetValue(savings), parse.GetValue(accept), parse.GetValue(key), t)));
            pay.Subcommands.Add(add);

            var list = new Command("list", "List the payment methods (* marks the default). Only the last 4 digits are shown.");
            list.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, PayListAsync));
            pay.Subcommands.Add(list);

            var removeId = new Argument<string>("ID") { Description = "The payment method's id (pm_…)" };
            var remove = new Command("remove", "Stop using a payment method; the default passes to the oldest remaining one.");
            remove.Arguments.Add(removeId);
            remove.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, async (run, t) =>
                Show(run, await run.Client.RemovePaymentMethodAsync(parse.GetRequiredValue(removeId), t), "removed")));
            pay.Subcommands.Add(remove);

            var defaultId = new Argument<string>("ID") { Description = "The payment method's id (pm_…)" };
            var setDefault = new Command("default", "Make a payment method the default: what `vbi fund` pays with.");
            setDefault.Arguments.Add(defaultId);
            setDefault.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, async (run, t) =>
                Show(run, await run.Client.SetDefaultPaymentMethodAsync(parse.GetRequiredValue(defaultId), t), "default")));
            pay.Subcommands.Add(setDefault);

            root.Subcommands.Add(pay);
        }

        private async Task<int> PayAddAsync(CustomerRun run, string? card, string[]? bank, string? holder, bool savings, bool accept, string? key,
            CancellationToken cancellationToken)
        {
            if (bank is { Length: 0 }) bank = null;
            if ((card is null) == (bank is null)) return Usage("give exactly one of --card TOKEN or --bank ROUTING ACCOUNT");
            if (card is not null) return Show(run, await run.Client.AddCardAsync(card, NullIfBlank(key), cancellationToken), "added");

            var authorization = await run.Client.GetAchAuthorizationAsync(cancellationToken);
            var text = $"ACH debit authorization (version {authorization.Version}):{Environment.NewLine}{authorization.Text}";
            if (!accept)
            {
                _out.WriteLine(text);
                _err.WriteLine("error: a bank account is debited only with this authorization accepted; run the command again with --accept-ach-authorization to accept it");
                return ExitCodes.Usage;
            }
            var name = NullIfBlank(holder) ?? (await run.Client.GetMeAsync(cancellationToken)).Name;
            if (name is null) return Usage("--holder NAME is required: the account has no name to use");
            var method = await run.Client.AddBankAccountAsync(new BankAccount(bank![0], bank[1], name, savings), authorization.Version, NullIfBlank(key), cancellationToken);
            if (!run.Json) _out.WriteLine(text);
            return Show(run, method, "added");
        }

        private async Task<int> PayListAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            var methods = await run.Client.ListPaymentMethodsAsync(cancellationToken);
            if (run.Json)
            {
                WriteJson(methods);
                return ExitCodes.Ok;
            }
            if (methods.Count == 0) _out.WriteLine("no payment methods; add one with `vbi pay add --card TOKEN` or `vbi pay add --bank ROUTING ACCOUNT`");
            foreach (var m in methods) _out.WriteLine($"{(m.IsDefault ? "*" : " ")} {m.Id}  {(m.Kind == PaymentMethod.CardKind ? "card" : "bank"),-4}  {m.Describe()}");
            return ExitCodes.Ok;
        }

        private int Show(CustomerRun run, PaymentMethod method, string what)
        {
            if (run.Json) WriteJson(method);
            else _out.WriteLine($"{what} {method.Id}: {method.Describe()}{(method.IsDefault ? " [default]" : "")}");
            return ExitCodes.Ok;
        }
    }
}
