using System.Security.Claims;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

public sealed record RecoverMeterRequest(string? Reason);

public sealed record StopSystemRequest(string? Reason);

/// <summary>
/// The answer to an operator's stop: the system's status, and whether it was stopped already (then nothing changed and
/// the earlier stop's reason, time and operator stand).
/// </summary>
public sealed record SystemStopView(bool AlreadyStopped, bool Stopped, string? Reason, string? StoppedBy, DateTimeOffset? StoppedAt, int FailuresInWindow)
{
    public static SystemStopView Of(SystemStopResult r) =>
        new(r.AlreadyStopped, r.Status.Stopped, r.Status.Reason, r.Status.StoppedBy, r.Status.StoppedAt, r.Status.FailuresInWindow);
}

/// <summary>Operators: a meter's audit and recovery, the meter pool, and the system-wide stop.</summary>
public static class MeterOperatorEndpoints
{
    public static void MapMeterOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/operator").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: meters and system");

        group.MapGet("/meters/{meterId}/audit", async (string meterId, IGrainFactory grains) =>
            {
                if (!MeterId.TryParse(meterId, out _)) return Problems.Result(ErrorCode.InvalidMeterId, $"'{meterId}' is not a meter id");
                var audit = await grains.GetGrain<IMeterGrain>(meterId).Audit();
                return audit.State is null && audit.ModuleMemory.Count == 0
                    ? Problems.Result(ErrorCode.MeterNotFound, $"meter {meterId} does not exist")
                    : Results.Ok(audit);
            })
            .WithName("AuditMeter")
            .WithSummary("State, registers, the postal store's checkpoint and module memory's, any inhibit reason and module memory's audit records. "
                + "An inhibited meter shows nothing of its postal row.");

        group.MapPost("/meters/{meterId}/recover", async (string meterId, RecoverMeterRequest request, IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                if (!MeterId.TryParse(meterId, out _)) return Problems.Result(ErrorCode.InvalidMeterId, $"'{meterId}' is not a meter id");
                if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 500)
                    return Problems.Result(ErrorCode.ValidationFailed, "a reason of 1 to 500 characters is required for the audit log");
                var result = await grains.GetGrain<IMeterGrain>(meterId).Recover(user.Identity!.Name!, request.Reason);
                logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} recovery of meter {MeterId}: {Outcome} ({Reason})",
                    user.Identity.Name, meterId, result.Error, request.Reason);
                return result.IsSuccess ? Results.Ok(result.Registers) : Problems.Result(result.Error, result.Message!);
            })
            .WithName("RecoverMeter")
            .WithSummary("Rebuilds the meter's postal row from its transaction log (last logged package and checkpoint, verified against module memory), "
                + "then clears any inhibit with the reason given. 409 LogCannotBridge, and nothing changed, when the log cannot.");

        group.MapGet("/meters/pool", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<IMeterPoolGrain>(0).Status()))
            .WithName("MeterPool");

        group.MapGet("/system", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<ISystemGuardGrain>(0).Status()))
            .WithName("SystemStatus")
            .WithSummary("Whether PVD and printing are stopped system-wide, and the verification failures in the window.");

        group.MapPost("/system/stop", async (StopSystemRequest request, IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                var reason = request.Reason?.Trim();
                if (!IsReason(reason)) return Problems.Result(ErrorCode.ValidationFailed, "a reason of 1 to 500 characters, on one line, is required for the audit log");
                var result = await StopSystemAsync(grains, user.Identity!.Name!, reason!, logs);
                return Results.Ok(SystemStopView.Of(result));
            })
            .WithName("StopSystem")
            .WithSummary("Stops PVD and printing system-wide, as the guard does after too many inhibits, with the reason given: every silo refuses them "
                + "(503 SystemStopped) within about a second, until an operator resumes. A system stopped already stays as it was (alreadyStopped: true).")
            .Accepts<StopSystemRequest>("application/json")
            .Produces<SystemStopView>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/system/resume", async (IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} resumed PVD and printing system-wide", user.Identity?.Name);
                return Results.Ok(await grains.GetGrain<ISystemGuardGrain>(0).Resume(user.Identity!.Name!));
            })
            .WithName("ResumeSystem");
    }

    /// <summary>A stop's (or a recovery's) reason: 1 to 500 characters, no control characters (it is one line of the audit log).</summary>
    public static bool IsReason(string? reason) => !string.IsNullOrWhiteSpace(reason) && reason.Length <= 500 && !reason.Any(char.IsControl);

    /// <summary>An operator's stop, the API's and the portal's one way: the guard's answer, and a line of the <c>VbiOrleans.Audit</c> log.</summary>
    public static async Task<SystemStopResult> StopSystemAsync(IGrainFactory grains, string operatorName, string reason, ILoggerFactory logs)
    {
        var result = await grains.GetGrain<ISystemGuardGrain>(0).Stop(operatorName, reason);
        logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} stopped PVD and printing system-wide: {Outcome} ({Reason})", operatorName,
            result.AlreadyStopped ? "stopped already, nothing changed" : "stopped", reason);
        return result;
    }
}
