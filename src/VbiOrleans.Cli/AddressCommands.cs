using System.CommandLine;
using System.Text.Json;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    private sealed partial class Commands
    {
        private void AddAddressCommands(RootCommand root)
        {
            var address = new Command("address",
                "Match an address given as one line, e.g. vbi address 'Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102': the standardized candidates, best first, each with what changed. A ZIP-level check (city, state, ZIP). Exit 2 when nothing matches.");
            var line = new Argument<string>("LINE") { Description = "The address on one line: name, street, city, state and ZIP, separated by commas" };
            address.Arguments.Add(line);
            address.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) => AddressAsync(run, parse.GetRequiredValue(line), t)));
            root.Subcommands.Add(address);
        }

        private async Task<int> AddressAsync(CustomerRun run, string line, CancellationToken cancellationToken)
        {
            AddressMatchResult result;
            try
            {
                result = await run.Client.MatchAddressAsync(line, cancellationToken);
            }
            catch (VbiApiException e) when (e.Code == VbiErrorCodes.AddressNotMatched)
            {
                _err.WriteLine($"error {e.Code}: {OneLine(e.Detail ?? e.Message)}");
                if (e.Extensions.TryGetValue("standardized", out var read) && read.ValueKind == JsonValueKind.Object
                    && read.Deserialize<StandardAddress>(VbiJson.Options) is { } standardized)
                    _err.WriteLine($"read as: {standardized.OneLine}");
                return ExitCodes.Refused;
            }
            if (run.Json)
            {
                WriteJson(result);
                return ExitCodes.Ok;
            }
            _out.WriteLine($"{result.Candidates.Count} {(result.Candidates.Count == 1 ? "candidate" : "candidates")} ({result.Level}-level match)");
            foreach (var c in result.Candidates)
            {
                _out.WriteLine($"{c.Rank}. {c.Type}: {c.Address.OneLine}");
                if (c.Changes.Count == 0) _out.WriteLine("   no change");
                foreach (var x in c.Changes)
                {
                    var what = x.Kind switch
                    {
                        "Added" => $"{x.To} added",
                        "Removed" => $"{x.From} removed",
                        _ => $"{x.From} -> {x.To}",
                    };
                    _out.WriteLine($"   {x.Field}: {what} ({x.Reason})");
                }
            }
            return ExitCodes.Ok;
        }
    }
}
