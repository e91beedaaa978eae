using System.CommandLine;
using System.Globalization;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    private sealed partial class Commands
    {
        private void AddScanFormCommands(RootCommand root)
        {
            var scanForm = new Command("scan-form",
                "Make a SCAN form (USPS Shipment Confirmation Acceptance Notice) of a day's shipping labels and write its PDF: the carrier scans its one barcode "
                + "to accept every package listed. Lists the account's prints with a tracking number of that day that are not refunded and on no other form "
                + "(or only --meter's, or exactly --tracking). Exit 2 (NothingToManifest) when there is nothing new to list.");
            var date = new Option<string>("--date") { Description = "The mailing day, YYYY-MM-DD (UTC) [default: today]", HelpName = "YYYY-MM-DD" };
            var meter = new Option<string[]>("--meter") { Description = "Only this meter's prints (repeat for several)", HelpName = "ID" };
            var tracking = new Option<string[]>("--tracking")
            {
                Description = "Exactly these packages (tracking numbers; each must be a print of the day, not refunded, on no form)",
                HelpName = "N",
                AllowMultipleArgumentsPerToken = true,
            };
            var output = new Option<string>("--out", "-o") { Description = "Where to write the form's PDF", HelpName = "FILE", Required = true };
            var key = IdempotencyOption();
            foreach (var option in new Option[] { date, meter, tracking, output, key }) scanForm.Options.Add(option);
            scanForm.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                ScanFormAsync(run, parse.GetValue(date), parse.GetValue(meter), parse.GetValue(tracking), parse.GetRequiredValue(output), parse.GetValue(key), t)));
            root.Subcommands.Add(scanForm);
        }

        private async Task<int> ScanFormAsync(CustomerRun run, string? date, string[]? meters, string[]? tracking, string output, string? key,
            CancellationToken cancellationToken)
        {
            DateOnly? day = null;
            if (date is not null)
            {
                if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                    return Usage($"--date must be a date as YYYY-MM-DD, not '{date}'");
                day = parsed;
            }
            var order = new ScanFormOrder(day, meters is { Length: > 0 } ? meters : null, tracking is { Length: > 0 } ? tracking : null);
            var form = await run.Client.CreateScanFormAsync(order, NullIfBlank(key), cancellationToken);
            await File.WriteAllBytesAsync(output, form.PdfBytes()!, cancellationToken);
            if (run.Json)
            {
                WriteJson(new { scanForm = form with { Pdf = null }, pdfFile = output });
                return ExitCodes.Ok;
            }
            _out.WriteLine($"SCAN form {form.FormNumber} for {form.Date}: {form.PackageCount} {(form.PackageCount == 1 ? "package" : "packages")}, "
                + $"postage {form.TotalPostage}, origin ZIP {form.OriginZip} -> {output}");
            foreach (var p in form.Packages) _out.WriteLine($"  {p.TrackingNumber}  {p.MailClass,-16} {p.WeightOz,6} oz  to {p.DestinationZip,-10} {p.Postage}");
            return ExitCodes.Ok;
        }
    }
}
