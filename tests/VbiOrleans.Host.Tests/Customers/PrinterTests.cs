using System.Diagnostics;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// Printer configuration on a real Cluster-profile host over HTTP, through the SDK: a customer's test print (marked
/// sample, no Data Matrix, no money moved), the customer's calibration offset applied to a real signed print's label
/// (a replay's label too, with the offset as it is then), the operators' printer table, and bad input refused with stable
/// codes and nothing changed.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class PrinterTests(CustomerHostFixture host)
{
    private static readonly PrintOrder Order = new(780, "94103", "FIRST-CLASS");

    [Fact]
    public async Task A_test_print_is_marked_sample_carries_no_data_matrix_and_moves_no_money()
    {
        using var c = await host.NewCustomerAsync(10_000);
        var before = await host.EvidenceAsync(c);
        var dir = Directory.CreateTempSubdirectory("vbi-test-print-").FullName;

        var png = await c.Client.TestPrintAsync("zebra-zd420-203", format: "png");
        var pdf = await c.Client.TestPrintAsync("generic-laser-300", layout: "envelope-10", format: "pdf");
        var zpl = await c.Client.TestPrintAsync("zebra-zd420-203"); // its first format: zpl

        Assert.Equal(("image/png", 203, "label-4x6"), (png.ContentType, png.Dpi, png.Layout));
        Assert.Equal(("application/pdf", 300, "envelope-10"), (pdf.ContentType, pdf.Dpi, pdf.Layout));
        Assert.Equal(("zpl", "application/x-zpl"), (zpl.Format, zpl.ContentType));
        var pngFile = Write(dir, png);
        var pdfFile = Write(dir, pdf);
        // No Data Matrix anywhere on the page, for dmtxread on the whole page (PNG, and the PDF as poppler renders it).
        Assert.Null(Dmtx(pngFile));
        var pdfPage = Path.Combine(dir, "pdf-page");
        Assert.Equal(0, Run("pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", pdfFile, pdfPage).ExitCode);
        Assert.Null(Dmtx(pdfPage + ".png"));
        // Marked as a sample, in the words a person reads.
        Assert.Contains("SAMPLE - NOT POSTAGE", Encoding.UTF8.GetString(Run("pdftotext", pdfFile, "-").Stdout), StringComparison.Ordinal);
        var zplText = Encoding.ASCII.GetString(zpl.Bytes());
        Assert.Contains("^FDSAMPLE - NOT POSTAGE^FS", zplText, StringComparison.Ordinal);
        Assert.DoesNotContain("^GF", zplText, StringComparison.Ordinal); // no graphic field: no symbol drawn as dots
        Assert.DoesNotContain("^BX", zplText, StringComparison.Ordinal); // no printer-drawn Data Matrix
        // The PNG has ink (the marks), and nothing was charged, logged or added to the history.
        Assert.NotEqual((-1, -1, -1, -1), DarkBounds(png.Bytes()));
        Assert.Equal(before, await host.EvidenceAsync(c));
        Assert.Equal(10_000, (await c.Client.GetMeterAsync(c.MeterId)).DescendingMills);
    }

    [Fact]
    public async Task A_calibration_moves_a_signed_prints_label_by_exactly_its_offset_and_a_replay_renders_with_the_offset_now()
    {
        using var c = await host.NewCustomerAsync(20_000);
        var label = new LabelOptions("png", Printer: "rollo-203");

        Assert.Equal((0, 0), Offset(await c.Client.GetPrinterCalibrationAsync("rollo-203")));
        var set = await c.Client.SetPrinterCalibrationAsync("rollo-203", 50, -30);
        // 50 mils at 203 dpi is 10.15 dots, -30 is -6.09: whole dots, rounded.
        Assert.Equal((50, -30, 10, -6, 10, -6), (set.XMils, set.YMils, set.XDots, set.YDots, set.TotalXDots, set.TotalYDots));
        Assert.Equal(set, await c.Client.GetPrinterCalibrationAsync("rollo-203"));

        // A signed print with the offset, then the very same indicium's label without it.
        var print = await c.Session.PrintAsync(Order, label);
        await c.Client.SetPrinterCalibrationAsync("rollo-203", 0, 0);
        await OperatorHttp.WaitForLogFeedAsync(host.BaseAddress); // a label is downloaded from the history, a projection of the log
        var plain = await c.Client.GetLabelAsync(c.MeterId, print.IndiciumId!, label);
        var (l, t, r, b) = DarkBounds(plain.Bytes());
        Assert.Equal((l + 10, t - 6, r + 10, b - 6), DarkBounds(print.Label!.Bytes()));
        // The test print moves by the same offset as the label.
        await c.Client.SetPrinterCalibrationAsync("rollo-203", 50, -30);
        var sample = await c.Client.TestPrintAsync("rollo-203", format: "png");
        Assert.Equal((10, -6), (sample.Calibration.TotalXDots, sample.Calibration.TotalYDots));
        await c.Client.SetPrinterCalibrationAsync("rollo-203", 0, 0);
        var (sl, st, sr, sb) = DarkBounds((await c.Client.TestPrintAsync("rollo-203", format: "png")).Bytes());
        Assert.Equal((sl + 10, st - 6, sr + 10, sb - 6), DarkBounds(sample.Bytes()));

        // A replay of the same request: the first answer byte for byte while the offset is the same; after the customer
        // changed it, the same print (indicium, signed response) with its label rendered with the offset as it is now.
        await c.Client.SetPrinterCalibrationAsync("rollo-203", 50, -30);
        var key = VbiClient.NewIdempotencyKey();
        var s = c.Session.State;
        using var chain = ChallengeChain.Resume(c.MeterId, c.Hmk, new ChainState(s.SessionId.Span, s.Challenge.Span, s.AscendingMills, s.DescendingMills));
        var body = JsonSerializer.Serialize(new { request = chain.Sign(TransactionBody.Print(500, "94103", "FIRST-CLASS"), key).ToJson(), label },
            VbiJson.Options);
        var first = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        Assert.True(first.Status == 200, first.Body.ToString());
        var same = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        Assert.Equal("true", same.Response.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(first.Body.GetRawText(), same.Body.GetRawText());
        var evidence = await host.EvidenceAsync(c);
        await c.Client.SetPrinterCalibrationAsync("rollo-203", -40, 20);
        var replay = await host.PostAsync($"/v1/meters/{c.MeterId}/prints", body, c.Token, key);
        Assert.Equal("true", replay.Response.Headers.GetValues("Idempotent-Replayed").Single());
        foreach (var member in new[] { "indiciumId", "indicium", "sequence", "amountMills", "signedResponse" })
            Assert.Equal(first.Body.GetProperty(member).GetRawText(), replay.Body.GetProperty(member).GetRawText());
        Assert.Equal(evidence, await host.EvidenceAsync(c));
        // (10, -6) dots then (-8, 4): moved by (-18, 10).
        var firstLabel = Convert.FromBase64String(first.Body.GetProperty("label").GetProperty("data").GetString()!);
        var (fl, ft, fr, fb) = DarkBounds(firstLabel);
        var replayLabel = Convert.FromBase64String(replay.Body.GetProperty("label").GetProperty("data").GetString()!);
        Assert.Equal((fl - 18, ft + 10, fr - 18, fb + 10), DarkBounds(replayLabel));
        // Downloading the label again is printing it now too: the same offset as the replay's.
        var indiciumId = first.Body.GetProperty("indiciumId").GetString()!;
        await OperatorHttp.WaitForLogFeedAsync(host.BaseAddress);
        var again = await c.Client.GetLabelAsync(c.MeterId, indiciumId, label);
        Assert.Equal((fl - 18, ft + 10, fr - 18, fb + 10), DarkBounds(again.Bytes()));
    }

    [Fact]
    public async Task An_operator_adds_a_printer_customers_see_and_print_to_it_and_retiring_it_refuses_prints()
    {
        using var c = await host.NewCustomerAsync(20_000);
        var id = "acme-thermal-" + Guid.NewGuid().ToString("N")[..8];
        var before = await host.Operator.GetPrinterTableAsync();

        var added = await host.Operator.PutPrinterAsync(id, new PrinterSpec("Acme Thermal 300", 300, 6, 0, ["png", "zpl"], ["label-4x6"], "4x6 in. labels"));
        Assert.True(added.Version > before.Version);
        var entry = Assert.Single(added.Printers, p => p.Id == id);
        Assert.Equal((HostEnvironment.OperatorName, false), (entry.ChangedBy, entry.Retired));

        // Customers see it without a restart, and print to it: its resolution, its shift.
        Assert.Contains(await c.Client.ListPrintersAsync(), p => p.Id == id && p.Dpi == 300 && p.OffsetXDots == 6);
        var print = await c.Session.PrintAsync(Order, new LabelOptions("png", Printer: id));
        Assert.Equal((300, id), (print.Label!.Dpi, print.Label.Printer));
        using (var page = SkiaSharp.SKBitmap.Decode(print.Label.Bytes())) Assert.Equal((1200, 1800), (page.Width, page.Height));
        var zebra = await c.Session.PrintAsync(Order, new LabelOptions("zpl", Printer: id));
        Assert.Contains("^LH6,0", Encoding.ASCII.GetString(zebra.Label!.Bytes()), StringComparison.Ordinal);

        // Changed: the next print has the new shift.
        await host.Operator.PutPrinterAsync(id, new PrinterSpec("Acme Thermal 300", 300, 12, 3, ["png", "zpl"], ["label-4x6"], "4x6 in. labels"));
        var shifted = await c.Session.PrintAsync(Order, new LabelOptions("zpl", Printer: id));
        Assert.Contains("^LH12,3", Encoding.ASCII.GetString(shifted.Label!.Bytes()), StringComparison.Ordinal);

        // Retired: gone from the customers' list, refused for prints (nothing charged), still in the operators' table.
        var retired = await host.Operator.RetirePrinterAsync(id);
        Assert.True(Assert.Single(retired.Printers, p => p.Id == id).Retired);
        Assert.DoesNotContain(await c.Client.ListPrintersAsync(), p => p.Id == id);
        var evidence = await host.EvidenceAsync(c);
        var refused = await Assert.ThrowsAsync<VbiApiException>(() => c.Session.PrintAsync(Order, new LabelOptions("png", Printer: id)));
        Assert.Equal((404, VbiErrorCodes.UnknownPrinter), (refused.Status, refused.Code));
        Assert.Equal(evidence, await host.EvidenceAsync(c));
    }

    [Fact]
    public async Task Bad_printer_input_is_refused_with_stable_codes_and_changes_nothing()
    {
        using var c = await host.NewCustomerAsync(10_000);
        await c.Client.SetPrinterCalibrationAsync("zebra-zd420-203", 20, 20);
        var table = await host.Operator.GetPrinterTableAsync();
        var evidence = await host.EvidenceAsync(c);

        await Refused(() => c.Client.SetPrinterCalibrationAsync("zebra-zd420-203", 126, 0), 400, VbiErrorCodes.CalibrationOutOfRange);
        await Refused(() => c.Client.SetPrinterCalibrationAsync("zebra-zd420-203", 0, -1000), 400, VbiErrorCodes.CalibrationOutOfRange);
        await Refused(() => c.Client.SetPrinterCalibrationAsync("no-such-printer", 10, 10), 404, VbiErrorCodes.UnknownPrinter);
        await Refused(() => c.Client.GetPrinterCalibrationAsync("no-such-printer"), 404, VbiErrorCodes.UnknownPrinter);
        await Refused(() => c.Client.TestPrintAsync("no-such-printer"), 404, VbiErrorCodes.UnknownPrinter);
        await Refused(() => c.Client.TestPrintAsync("zebra-zt411-300", format: "pdf"), 422, VbiErrorCodes.PrinterDoesNotTake);
        await Refused(() => c.Client.TestPrintAsync("zebra-zd420-203", layout: "envelope-10"), 422, VbiErrorCodes.PrinterDoesNotTake);
        Assert.Equal((20, 20), Offset(await c.Client.GetPrinterCalibrationAsync("zebra-zd420-203")));

        // Prints that name a printer the table lacks, or a format it does not take: refused before any money moves.
        await Refused(() => c.Session.PrintAsync(Order, new LabelOptions("png", Printer: "no-such-printer")), 404, VbiErrorCodes.UnknownPrinter);
        await Refused(() => c.Session.PrintAsync(Order, new LabelOptions("pdf", Printer: "zebra-zd420-203")), 422, VbiErrorCodes.PrinterDoesNotTake);
        Assert.Equal(evidence, await host.EvidenceAsync(c));

        // Operators' printers: each problem its own code; the table keeps its version.
        var good = new PrinterSpec("Bad Input Printer", 203, 0, 0, ["png"], ["label-4x6"], "labels");
        await Refused(() => host.Operator.PutPrinterAsync("bad-dpi", good with { Dpi = 100 }), 400, VbiErrorCodes.PrinterDpiOutOfRange);
        await Refused(() => host.Operator.PutPrinterAsync("bad-dpi", good with { Dpi = 2400 }), 400, VbiErrorCodes.PrinterDpiOutOfRange);
        await Refused(() => host.Operator.PutPrinterAsync("bad-shift", good with { OffsetYDots = 26 }), 400, VbiErrorCodes.PrinterShiftOutOfRange);
        await Refused(() => host.Operator.PutPrinterAsync("bad-format", good with { Formats = ["bmp"] }), 400, VbiErrorCodes.InvalidPrinterProfile);
        await Refused(() => host.Operator.PutPrinterAsync("bad-layout", good with { Layouts = [] }), 400, VbiErrorCodes.InvalidPrinterProfile);
        await Refused(() => host.Operator.PutPrinterAsync("Bad_Id", good), 400, VbiErrorCodes.InvalidPrinterProfile);
        await Refused(() => host.Operator.RetirePrinterAsync("no-such-printer"), 404, VbiErrorCodes.UnknownPrinter);
        // Customers cannot change the table.
        await Refused(() => host.Client(c.Token).GetPrinterTableAsync(), 401, VbiErrorCodes.Unauthenticated);
        Assert.Equal(table.Version, (await host.Operator.GetPrinterTableAsync()).Version);
    }

    private static (int X, int Y) Offset(PrinterCalibrationInfo info) => (info.XMils, info.YMils);

    private static async Task Refused(Func<Task> call, int status, string code)
    {
        var e = await Assert.ThrowsAsync<VbiApiException>(call);
        Assert.True(e.Status == status && e.Code == code, $"expected {status} {code}, got {e.Status} {e.Code}: {e.Detail}");
    }

    private static string Write(string dir, TestPrintFile file)
    {
        var path = Path.Combine(dir, file.FileName.Replace(".", "-" + file.Layout + ".", StringComparison.Ordinal));
        File.WriteAllBytes(path, file.Bytes());
        return path;
    }

    /// <summary>The bounding box of the dots darker than mid-gray: left, top, right, bottom (inclusive); all -1 when blank.</summary>
    private static (int Left, int Top, int Right, int Bottom) DarkBounds(byte[] png)
    {
        using var page = SkiaSharp.SKBitmap.Decode(png);
        Assert.Equal(SkiaSharp.SKColorType.Gray8, page.ColorType);
        var gray = page.Bytes;
        int left = int.MaxValue, top = int.MaxValue, right = -1, bottom = -1;
        for (int y = 0; y < page.Height; y++)
        {
            for (int x = 0; x < page.Width; x++)
            {
                if (gray[(y * page.Width) + x] < 128) (left, top, right, bottom) = (Math.Min(left, x), Math.Min(top, y), Math.Max(right, x), Math.Max(bottom, y));
            }
        }
        return right < 0 ? (-1, -1, -1, -1) : (left, top, right, bottom);
    }

    private static byte[]? Dmtx(string image)
    {
        var (exit, stdout) = Run("dmtxread", "-N1", "-m", "10000", image);
        return exit == 0 && stdout.Length > 0 ? stdout : null;
    }

    private static (int ExitCode, byte[] Stdout) Run(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} is not installed (dmtx-utils, poppler-utils): the test cannot check the test print without it", e);
        }
        using (process)
        {
            using var stdout = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} did not finish in 60 s");
            }
            copy.Wait();
            _ = stderr.Result;
            return (process.ExitCode, stdout.ToArray());
        }
    }
}
