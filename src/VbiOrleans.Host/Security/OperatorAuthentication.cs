using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VbiOrleans.Host.Api;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Host.Security;

/// <summary>
/// Operators authenticate with a name and a key: HTTP Basic (name, key), which browsers prompt for on the
/// dashboard, or <c>Authorization: Bearer &lt;key&gt;</c> for scripts. Only SHA-256 hashes of keys are configured;
/// hashes are compared in constant time. Keys are never logged.
/// </summary>
public sealed class OperatorAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    OperatorDirectory operators) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Operator";
    public const string Policy = "Operator";
    public const string Role = "operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return Task.FromResult(AuthenticateResult.NoResult());

        string? name = null;
        string? key = null;
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
                var colon = decoded.IndexOf(':');
                if (colon > 0) (name, key) = (decoded[..colon], decoded[(colon + 1)..]);
            }
            catch (FormatException)
            {
                return Task.FromResult(AuthenticateResult.Fail("malformed Basic credentials"));
            }
        }
        else if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = header[7..].Trim();
        }
        if (string.IsNullOrEmpty(key)) return Task.FromResult(AuthenticateResult.Fail("no operator key"));

        var match = operators.Find(name, key);
        if (match is null)
        {
            Logger.LogWarning("Operator authentication failed for {OperatorName} from {RemoteIp}", name ?? "(bearer)", Context.Connection.RemoteIpAddress);
            return Task.FromResult(AuthenticateResult.Fail("unknown operator credential"));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, match), new Claim(ClaimTypes.Role, Role)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"VbiOrleans operators\", charset=\"UTF-8\"";
        await Problems.Write(Context, StatusCodes.Status401Unauthorized, ErrorCode.Unauthenticated,
            "Operator credentials are required: HTTP Basic (operator name and key) or a Bearer key.");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Problems.Write(Context, StatusCodes.Status403Forbidden, ErrorCode.Forbidden, "This needs an operator credential.");
}

/// <summary>The configured operators, by name and key hash.</summary>
public sealed class OperatorDirectory
{
    private readonly IReadOnlyList<(string Name, byte[] Hash)> _operators;

    public OperatorDirectory(IEnumerable<(string Name, byte[] KeyHash)> operators) => _operators = [.. operators];

    public int Count => _operators.Count;

    /// <summary>The operator's name if the key matches (and, when given, the name too); otherwise null.</summary>
    public string? Find(string? name, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? found = null;
        foreach (var (operatorName, operatorHash) in _operators)
        {
            // Compare every entry, so the time taken does not say which one matched.
            var same = CryptographicOperations.FixedTimeEquals(hash, operatorHash);
            if (same && (name is null || string.Equals(name, operatorName, StringComparison.Ordinal))) found ??= operatorName;
        }
        return found;
    }

    public static byte[] HashKey(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
