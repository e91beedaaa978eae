using System.Reflection;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Host.Api;

/// <summary>
/// Client versions (the Auto-Update service): the latest and the minimum SDK/CLI versions from configuration, parsed
/// once at start (a bad value stops the host), published signed by the module identity key, and the gate that answers
/// 426 <c>ClientUpgradeRequired</c> to a request whose <c>Vbi-Client</c> header names a version below the minimum.
/// A request without the header (curl, a partner's own code) is not judged. The gate costs one header parse and one
/// comparison per request; no grain is called.
/// </summary>
public sealed class ClientVersionPolicy
{
    private readonly object _gate = new();
    private Task<ClientVersionsView>? _signed;

    public ClientVersionPolicy(ClientVersion latest, ClientVersion minimum)
    {
        if (minimum > latest) throw new InvalidOperationException($"{ClientVersionOptions.Section}: Minimum {minimum} is above Latest {latest}");
        Latest = latest;
        Minimum = minimum;
    }

    public ClientVersion Latest { get; }
    public ClientVersion Minimum { get; }

    /// <summary>The policy from <c>Vbi:Clients</c>; throws (and so stops the host at start) on a value that is not a version.</summary>
    public static ClientVersionPolicy From(IConfiguration configuration)
    {
        var options = configuration.GetSection(ClientVersionOptions.Section).Get<ClientVersionOptions>() ?? new ClientVersionOptions();
        return new ClientVersionPolicy(Read(options.Latest, nameof(options.Latest)) ?? ServerVersion(), Read(options.Minimum, nameof(options.Minimum)) ?? ClientVersion.Parse("0.0.0"));
    }

    private static ClientVersion? Read(string? text, string name) =>
        string.IsNullOrWhiteSpace(text) ? null
        : ClientVersion.TryParse(text.Trim(), out var version) ? version
        : throw new InvalidOperationException($"{ClientVersionOptions.Section}:{name} '{text}' is not a version (MAJOR.MINOR.PATCH[-prerelease])");

    private static ClientVersion ServerVersion() =>
        ClientVersion.Parse(typeof(ClientVersionPolicy).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    /// <summary>
    /// The signed document, made on first use by this host and kept (a signature per host process, publishedAt when
    /// it was made); a failed signing is tried again on the next request.
    /// </summary>
    public Task<ClientVersionsView> SignedAsync(IGrainFactory grains, TimeProvider clock)
    {
        lock (_gate)
        {
            if (_signed is null || _signed.IsFaulted || _signed.IsCanceled) _signed = SignAsync(grains, clock);
            return _signed;
        }
    }

    private async Task<ClientVersionsView> SignAsync(IGrainFactory grains, TimeProvider clock)
    {
        var statement = new ClientVersionsStatement(Latest, Minimum, clock.GetUtcNow());
        var signature = await grains.GetGrain<IModuleIdentityGrain>(0).SignClientVersions(Latest.ToString(), Minimum.ToString(), statement.PublishedAt);
        return new ClientVersionsView(Latest.ToString(), Minimum.ToString(), statement.PublishedAtText, Convert.ToBase64String(signature));
    }

    /// <summary>
    /// Endpoints the gate never refuses, so that an old client can still learn what to install and verify what it
    /// holds: anything outside /v1 (health, openapi, the reference page), the versions document itself, the module
    /// identity key (needed to verify that document), certificates and indicium verification (postal verifiers
    /// and third parties, not customers' clients), the transaction log's public proofs, and the operator API (an
    /// operator must never be locked out by the policy the operator sets).
    /// </summary>
    public static bool Exempt(PathString path) =>
        !path.StartsWithSegments("/v1")
        || path.StartsWithSegments("/v1/client")
        || path.StartsWithSegments("/v1/module/identity")
        || path.StartsWithSegments("/v1/certificates")
        || path.StartsWithSegments("/v1/indicia/verify")
        || path.StartsWithSegments("/v1/log")
        || path.StartsWithSegments("/v1/operator")
        || (path.StartsWithSegments("/v1/meters") && path.Value!.EndsWith("/certificate", StringComparison.Ordinal));

    /// <summary>The gate (middleware).</summary>
    public async Task GateAsync(HttpContext context, RequestDelegate next)
    {
        var header = context.Request.Headers[ClientHeader.Name];
        if (header.Count == 0 || Exempt(context.Request.Path))
        {
            await next(context);
            return;
        }
        if (header.Count > 1 || !ClientHeader.TryParse(header[0], out var product, out var version))
        {
            await Problems.Write(context, StatusCodes.Status400BadRequest, Domain.Errors.ErrorCode.MalformedRequest,
                $"the {ClientHeader.Name} header must be one PRODUCT/MAJOR.MINOR.PATCH token, for example {ClientHeader.CliProduct}/{Latest}");
            return;
        }
        if (version < Minimum)
        {
            var problem = Problems.Create(StatusCodes.Status426UpgradeRequired, Domain.Errors.ErrorCode.ClientUpgradeRequired,
                $"{product} {version} is no longer served: install {Latest} (at least {Minimum}); nothing was done", context.Request.Path);
            problem.Extensions["minimum"] = Minimum.ToString();
            problem.Extensions["latest"] = Latest.ToString();
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, Problems.ContentType);
            return;
        }
        await next(context);
    }
}

/// <summary>The signed versions document (the signature is over <see cref="ClientVersionsStatement"/>'s message).</summary>
public sealed record ClientVersionsView(string Latest, string Minimum, string PublishedAt, string Signature);

public static class ClientVersionEndpoints
{
    public static void MapClientVersionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/client/versions", async (ClientVersionPolicy policy, IGrainFactory grains, TimeProvider clock) =>
                Results.Ok(await policy.SignedAsync(grains, clock)))
            .WithTags("Client protocol")
            .WithName("ClientVersions")
            .WithSummary("The latest and the minimum SDK/CLI versions, signed (ECDSA P-256, raw r||s, base64) by the module identity key over "
                + "\"VBI-CLIENT-VERSIONS-V1\\n{latest}\\n{minimum}\\n{publishedAt}\\n\". Verify it against the pinned key before trusting it.")
            .Produces<ClientVersionsView>();
    }
}
