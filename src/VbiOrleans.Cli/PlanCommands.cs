using System.CommandLine;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    private sealed partial class Commands
    {
        private void AddPlanCommands(RootCommand root)
        {
            var plan = new Command("plan", "The account's pricing plan: show it and the catalogue, or choose another (the month's plan fee is prorated by the second).");
            var show = new Command("show", "Show the account's plan, its trial, this month's labels and the plans to choose from.");
            show.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, PlanShowAsync));
            plan.Subcommands.Add(show);
            var set = new Command("set", "Choose a plan from now on (choosing the plan in effect changes nothing).");
            var name = new Argument<string>("NAME") { Description = "The plan's id: starter, business, volume (see `vbi plan show`)" };
            set.Arguments.Add(name);
            set.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) => PlanSetAsync(run, parse.GetRequiredValue(name), t)));
            plan.Subcommands.Add(set);
            plan.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, PlanShowAsync));
            root.Subcommands.Add(plan);

            var invoices = new Command("invoices", "The account's monthly invoices: list them, or show one and write its PDF.");
            var list = new Command("list", "List the account's invoices, newest first.");
            list.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, InvoicesListAsync));
            invoices.Subcommands.Add(list);
            var get = new Command("get", "Show one invoice; --pdf writes its PDF.");
            var number = new Argument<string>("N") { Description = "The invoice number (inv-YYYYMM-…)" };
            var pdf = new Option<string>("--pdf") { Description = "Write the invoice's PDF to this file", HelpName = "FILE" };
            get.Arguments.Add(number);
            get.Options.Add(pdf);
            get.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                InvoiceGetAsync(run, parse.GetRequiredValue(number), parse.GetValue(pdf), t)));
            invoices.Subcommands.Add(get);
            invoices.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, InvoicesListAsync));
            root.Subcommands.Add(invoices);
        }

        private async Task<int> PlanShowAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            var current = await run.Client.GetPlanAsync(cancellationToken);
            var plans = await run.Client.ListPlansAsync(cancellationToken);
            if (run.Json)
            {
                WriteJson(new { plan = current, plans });
                return ExitCodes.Ok;
            }
            WritePlan(current);
            _out.WriteLine("Plans:");
            foreach (var p in plans)
                _out.WriteLine($"  {(p.Id == current.Plan ? "*" : " ")} {p.Id,-10} {p.MonthlyFee,9}/month  {p.LabelFee} per label beyond {p.IncludedLabels} a month  trial {p.TrialDays} days");
            return ExitCodes.Ok;
        }

        private async Task<int> PlanSetAsync(CustomerRun run, string name, CancellationToken cancellationToken)
        {
            var plan = await run.Client.SetPlanAsync(name, cancellationToken);
            if (run.Json)
            {
                WriteJson(plan);
                return ExitCodes.Ok;
            }
            WritePlan(plan);
            foreach (var p in plan.Posted) _out.WriteLine($"  posted {p.EntryId}: {p.FeeMills.ToDollars()} for {p.PlanId} {p.From:u} to {p.To:u}");
            return ExitCodes.Ok;
        }

        private void WritePlan(CustomerPlan plan)
        {
            if (plan.Plan is null)
            {
                _out.WriteLine("No plan chosen: choose one with `vbi plan set NAME`.");
                return;
            }
            _out.WriteLine($"Plan {plan.Plan} since {plan.Since:u}{(plan.TrialEndsAt is { } trial ? $", trial until {trial:u}" : "")}; {plan.LabelsThisMonth} labels in {plan.Month}");
        }

        private async Task<int> InvoicesListAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            var invoices = await run.Client.ListInvoicesAsync(cancellationToken);
            if (run.Json)
            {
                WriteJson(invoices);
                return ExitCodes.Ok;
            }
            if (invoices.Count == 0) _out.WriteLine("No invoices yet.");
            foreach (var i in invoices) _out.WriteLine($"{i.Number}  {i.Month}  {i.Total,10}  {i.Status}");
            return ExitCodes.Ok;
        }

        private async Task<int> InvoiceGetAsync(CustomerRun run, string number, string? pdfFile, CancellationToken cancellationToken)
        {
            var invoice = await run.Client.GetInvoiceAsync(number, cancellationToken);
            if (pdfFile is not null) await File.WriteAllBytesAsync(pdfFile, await run.Client.GetInvoicePdfAsync(number, cancellationToken), cancellationToken);
            if (run.Json)
            {
                WriteJson(new { invoice, pdfFile });
                return ExitCodes.Ok;
            }
            _out.WriteLine($"Invoice {invoice.Number} for {invoice.Month}: {invoice.Status}, total {invoice.Total}{(pdfFile is null ? "" : " -> " + pdfFile)}");
            foreach (var l in invoice.Lines) _out.WriteLine($"  {l.Description,-50} {l.Quantity,6} x {l.UnitMills.ToDollars(),9} = {l.AmountMills.ToDollars(),10}");
            _out.WriteLine($"  subtotal {invoice.SubtotalMills.ToDollars()}, credits applied {invoice.CreditAppliedMills.ToDollars()}, total {invoice.Total}");
            return ExitCodes.Ok;
        }
    }
}
