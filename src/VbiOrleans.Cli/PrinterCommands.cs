using System.CommandLine;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

public static partial class CliApp
{
    private sealed partial class Commands
    {
        private void AddPrinterCommands(RootCommand root)
        {
            var printer = new Command("printer", "Printers: the printer table, a test print to measure a printer's shift, and your calibration offset for a printer.");

            var list = new Command("list", "The printers labels can be rendered for: resolution, shift, formats and layouts. Needs no login.");
            list.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: false, ListPrintersAsync));
            printer.Subcommands.Add(list);

            var test = new Command("test", "A test print: SAMPLE - NOT POSTAGE, no indicium, corner marks and rulers at stated distances from the edges, "
                + "and the offset applied. Print it on the printer and measure where the marks land. Charges nothing.");
            var testPrinter = PrinterOption();
            var layout = new Option<string>("--layout") { Description = "label-4x6 or envelope-10 [default: the printer's first]", HelpName = "LAYOUT" };
            var format = new Option<string>("--format") { Description = "pdf, png, svg or zpl [default: the printer's first]", HelpName = "FORMAT" };
            var output = new Option<string>("--out", "-o") { Description = "Where to write it [default: its file name here]", HelpName = "FILE" };
            foreach (var option in new Option[] { testPrinter, layout, format, output }) test.Options.Add(option);
            test.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                TestPrintAsync(run, parse.GetRequiredValue(testPrinter), parse.GetValue(layout), parse.GetValue(format), parse.GetValue(output), t)));
            printer.Subcommands.Add(test);

            var calibrate = new Command("calibrate", "Your calibration offset for a printer, in thousandths of an inch: --x moves every label right (negative: left), "
                + "--y down (negative: up), each -125 to 125; 0 0 removes it. Without --x and --y, shows the offset kept.");
            var calibratePrinter = PrinterOption();
            var x = new Option<int?>("--x") { Description = "Mils to the right (a mark printed 0.02 in. too far right: --x -20)", HelpName = "MILS" };
            var y = new Option<int?>("--y") { Description = "Mils down (a mark printed 0.03 in. too high: --y 30)", HelpName = "MILS" };
            foreach (var option in new Option[] { calibratePrinter, x, y }) calibrate.Options.Add(option);
            calibrate.SetAction((parse, token) => CustomerAsync(parse, token, needsToken: true, (run, t) =>
                CalibrateAsync(run, parse.GetRequiredValue(calibratePrinter), parse.GetValue(x), parse.GetValue(y), t)));
            printer.Subcommands.Add(calibrate);

            root.Subcommands.Add(printer);
        }

        private static Option<string> PrinterOption() =>
            new("--printer") { Description = "A printer id from `vbi printer list`", HelpName = "ID", Required = true };

        private async Task<int> ListPrintersAsync(CustomerRun run, CancellationToken cancellationToken)
        {
            var printers = await run.Client.ListPrintersAsync(cancellationToken);
            if (run.Json)
            {
                WriteJson(printers);
                return ExitCodes.Ok;
            }
            var rows = new List<string[]> { new[] { "ID", "DPI", "SHIFT (DOTS)", "FORMATS", "LAYOUTS", "NAME" } };
            rows.AddRange(printers.Select(p => new[]
            {
                p.Id, p.Dpi.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{p.OffsetXDots}, {p.OffsetYDots}", string.Join(',', p.Formats),
                string.Join(',', p.Layouts), p.Name,
            }));
            WriteTable(rows, rightAligned: 1);
            return ExitCodes.Ok;
        }

        private async Task<int> TestPrintAsync(CustomerRun run, string printerId, string? layout, string? format, string? output, CancellationToken cancellationToken)
        {
            var printed = await run.Client.TestPrintAsync(printerId, layout?.ToLowerInvariant(), format?.ToLowerInvariant(), cancellationToken);
            var path = output ?? Path.Combine(Directory.GetCurrentDirectory(), printed.FileName);
            await File.WriteAllBytesAsync(path, printed.Bytes(), cancellationToken);
            if (run.Json)
            {
                WriteJson(new { file = path, printed.Printer, printed.Format, printed.Layout, printed.Dpi, printed.ContentType, printed.Calibration });
                return ExitCodes.Ok;
            }
            var c = printed.Calibration;
            _out.WriteLine($"test print for {printed.Printer} ({printed.Layout}, {printed.Format}, {printed.Dpi} dpi) written to {path}");
            _out.WriteLine($"offset applied: {c.TotalXDots}, {c.TotalYDots} dots (printer {c.PrinterXDots}, {c.PrinterYDots}; yours {c.XMils}, {c.YMils} mils)");
            _out.WriteLine($"print it at 100% (no scaling); if the marks land d in. too far right or down, run: vbi printer calibrate --printer {printed.Printer} --x -MILS --y -MILS");
            return ExitCodes.Ok;
        }

        private async Task<int> CalibrateAsync(CustomerRun run, string printerId, int? x, int? y, CancellationToken cancellationToken)
        {
            if (x.HasValue != y.HasValue) return Usage("calibrate takes both --x and --y (mils; 0 for no change on that axis), or neither to show the offset");
            var c = x is { } right && y is { } down
                ? await run.Client.SetPrinterCalibrationAsync(printerId, right, down, cancellationToken)
                : await run.Client.GetPrinterCalibrationAsync(printerId, cancellationToken);
            if (run.Json)
            {
                WriteJson(c);
                return ExitCodes.Ok;
            }
            _out.WriteLine($"{c.Printer}: your offset {c.XMils}, {c.YMils} mils ({c.XDots}, {c.YDots} dots at {c.Dpi} dpi); "
                + $"with the printer's shift {c.PrinterXDots}, {c.PrinterYDots}: labels move {c.TotalXDots}, {c.TotalYDots} dots (right, down)");
            return ExitCodes.Ok;
        }
    }
}
