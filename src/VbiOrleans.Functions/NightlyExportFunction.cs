using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VbiOrleans.Export;

namespace VbiOrleans.Functions;

/// <summary>
/// Each night at 00:30 UTC, exports yesterday (UTC) to the <c>dss</c> container (docs/export.md). The half hour lets
/// the last records of the day commit and seal. A failed run fails the invocation (the Functions host logs and
/// alerts on it) and leaves the day without a manifest; the next run, or a manual <c>vbi-admin export</c>, completes it.
/// </summary>
public sealed class NightlyExportFunction(IOptions<ExportOptions> options, TimeProvider clock)
{
    public const string Name = "NightlyExport";
    public const string Schedule = "0 30 0 * * *";

    [Function(Name)]
    public async Task<ExportManifest> RunAsync([TimerTrigger(Schedule)] TimerInfo timer, FunctionContext context)
    {
        var logger = context.GetLogger<NightlyExportFunction>();
        var day = NightlyExport.Yesterday(clock);
        if (timer.IsPastDue) logger.LogWarning("The nightly export of {Day} runs late (the timer was past due)", day);
        var result = await NightlyExport.RunAsync(options.Value, day, context.CancellationToken);
        if (!result.IsSuccess)
        {
            logger.LogError("The nightly export of {Day} failed ({Failure}): {Message}", day, result.Failure, result.Message);
            throw new ExportException(result.Failure, $"the nightly export of {day:yyyy-MM-dd} failed ({result.Failure})");
        }
        logger.LogInformation("Exported {Day}: {Tables}", day, string.Join(", ", result.Manifest!.Tables.Select(t => $"{t.Name} {t.Rows} rows")));
        return result.Manifest;
    }
}
