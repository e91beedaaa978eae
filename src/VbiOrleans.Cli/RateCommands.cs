using System.CommandLine;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    private sealed partial class Commands
    {
        private sealed record RateArguments(string? From, string? To, string? Weight, string? Dims, string? MailClass, string? Shape, string? Services,
            string? DeclaredValue, string? Date);

        private void AddRateCommands(RootCommand root)
        {
            var rates = new Command("rates", "Quote a shipment: one class (--class), or every class that takes it, cheapest first, with the zone, the price table and the breakdown. Needs no login.");
            var from = new Option<string>("--from") { Description = "Origin ZIP (5 digits) [default: this client's meter's licensing ZIP]", HelpName = "ZIP" };
            var to = new Option<string>("--to") { Description = "Destination ZIP (5 digits)", HelpName = "ZIP" };
            var weight = new Option<string>("--weight") { Description = "Weight in ounces, at most one decimal (3.5); 70 lb is 1120", HelpName = "OZ" };
            var dims = new Option<string>("--dims") { Description = "Length x width x height in inches (12x10x4.5): dimensional weight, cubic tiers, shape", HelpName = "LxWxH" };
            var mailClass = new Option<string>("--class") { Description = "FIRST-CLASS, PRIORITY, PRIORITY-EXPRESS, GROUND-ADVANTAGE, MEDIA, MARKETING [default: every class]", HelpName = "CLASS" };
            var shape = new Option<string>("--shape") { Description = "letter, flat or parcel [default: from the size and weight]", HelpName = "SHAPE" };
            var services = new Option<string>("--services") { Description = "Extra services, comma-separated: signature, insurance", HelpName = "LIST" };
            var declared = new Option<string>("--declared-value") { Description = "Declared value in dollars, for insurance", HelpName = "AMOUNT" };
            var date = new Option<string>("--date") { Description = "The day whose price table applies (yyyy-MM-dd) [default: today]", HelpName = "DATE" };
            foreach (var option in new Option[] { from, to, weight, dims, mailClass, shape, services, declared, date }) rates.Options.Add(option);
            rates.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: false, (run, t) => RatesAsync(run,
                new RateArguments(parse.GetValue(from), parse.GetValue(to), parse.GetValue(weight), parse.GetValue(dims), parse.GetValue(mailClass),
                    parse.GetValue(shape), parse.GetValue(services), parse.GetValue(declared), parse.GetValue(date)), t)));
            root.Subcommands.Add(rates);
        }

        private async Task<int> RatesAsync(CustomerRun run, RateArguments a, CancellationToken cancellationToken)
        {
            var from = a.From ?? run.Config.LicensingZip;
            if (from is null || a.To is null || a.Weight is null)
                return Usage("rates needs --to ZIP and --weight OZ, and --from ZIP when no meter is registered here");
            long? declared = null;
            if (a.DeclaredValue is { } value)
            {
                if (!Money.TryParseDollars(value, out var mills) || mills <= 0) return Usage($"--declared-value '{value}' is not an amount in dollars like 120.00");
                declared = mills;
            }
            DateOnly? day = null;
            if (a.Date is { } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d))
                    return Usage($"--date '{text}' is not yyyy-MM-dd");
                day = d;
            }
            var services = a.Services?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var result = await run.Client.GetRatesAsync(new RateRequest(from, a.To, a.Weight, a.Dims, a.MailClass, a.Shape, services, declared, day), cancellationToken);
            if (run.Json)
            {
                WriteJson(result);
                return ExitCodes.Ok;
            }
            var miles = result.Miles is { } m ? $", {m} mi" : "";
            _out.WriteLine($"{result.WeightOz} oz{(result.Dims is { } dd ? $", {dd} in" : "")} from {result.From} to {result.To}: zone {result.Zone} ({result.ZoneBasis}{miles}); price table {result.TableId} (effective {result.TableEffective})");
            var rows = new List<string[]> { new[] { "CLASS", "SHAPE", "POSTAGE", "PRICED BY" } };
            foreach (var q in result.Quotes) rows.Add([q.MailClass, q.Shape, q.Postage, Describe(q.Breakdown)]);
            WriteTable(rows, rightAligned: 2);
            foreach (var refused in result.Refused) _out.WriteLine($"not {refused.MailClass}: {refused.Detail}");
            return ExitCodes.Ok;
        }

        private static string Describe(RateBreakdown b)
        {
            var how = b.PricedBy switch
            {
                "dimensional-weight" => $"dimensional weight {b.DimensionalWeight!.Pounds} lb ({b.DimensionalWeight.RoundedDims} in)",
                "cubic-tier" => $"cubic tier {b.CubicTier!.Tier} cu ft",
                _ => $"weight, up to {b.PriceStepOz} oz",
            };
            return string.Concat(how, string.Concat(b.Services.Select(s => $" + {s.Service} {s.Amount}")));
        }
    }
}
