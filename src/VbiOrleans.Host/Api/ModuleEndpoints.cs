using System.Security.Claims;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Modules;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>Request body of <c>POST /v1/operator/modules</c>.</summary>
public sealed record RegisterModuleRequest(string? Serial, string? Label);

/// <summary>
/// The module table for operators: register a crypto module, list the table, read or retire one row.
/// Endpoints stay thin: validation of the serial, then one grain call.
/// </summary>
public static class ModuleEndpoints
{
    public static void MapModuleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/operator/modules")
            .RequireAuthorization(OperatorAuthenticationHandler.Policy)
            .WithTags("Operators: module table");

        group.MapGet("/", async (IGrainFactory grains) =>
                Results.Ok(await grains.GetGrain<IModuleTableGrain>(IModuleTableGrain.Key).List()))
            .WithName("ListModules")
            .WithSummary("The module table: per crypto-module serial, its state and its last transaction.");

        group.MapPost("/", async (RegisterModuleRequest request, IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                if (!ModuleSerial.TryParse(request.Serial, out var serial, out var problem))
                    return Problems.Result(ErrorCode.InvalidModuleSerial, problem!);
                var result = await grains.GetGrain<ICryptoModuleGrain>(serial.Value.GrainKey).Register(request.Label ?? "");
                if (!result.IsSuccess) return Problems.Result(result.Error, result.Message!);
                logs.CreateLogger("VbiOrleans.Audit").LogInformation(
                    "Operator {Operator} registered crypto module {Serial}", user.Identity?.Name, serial.Value.Value);
                return Results.Created($"/v1/operator/modules/{serial.Value}", result.Row);
            })
            .WithName("RegisterModule")
            .WithSummary("Adds a crypto module to the module table. Repeating the same registration returns the existing row.");

        group.MapGet("/{serial}", async (string serial, IGrainFactory grains) =>
            {
                if (!ModuleSerial.TryParse(serial, out var parsed, out var problem))
                    return Problems.Result(ErrorCode.InvalidModuleSerial, problem!);
                var row = await grains.GetGrain<ICryptoModuleGrain>(parsed.Value.GrainKey).Get();
                return row is null
                    ? Problems.Result(ErrorCode.ModuleNotRegistered, $"module {serial} is not registered")
                    : Results.Ok(row);
            })
            .WithName("GetModule");

        group.MapPost("/{serial}/retire", async (string serial, IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                if (!ModuleSerial.TryParse(serial, out var parsed, out var problem))
                    return Problems.Result(ErrorCode.InvalidModuleSerial, problem!);
                var result = await grains.GetGrain<ICryptoModuleGrain>(parsed.Value.GrainKey).Retire();
                if (!result.IsSuccess) return Problems.Result(result.Error, result.Message!);
                logs.CreateLogger("VbiOrleans.Audit").LogInformation(
                    "Operator {Operator} retired crypto module {Serial}", user.Identity?.Name, serial);
                return Results.Ok(result.Row);
            })
            .WithName("RetireModule");
    }
}
