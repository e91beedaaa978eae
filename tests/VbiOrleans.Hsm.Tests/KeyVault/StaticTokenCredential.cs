using System.Collections.Concurrent;
using Azure.Core;

namespace VbiOrleans.Hsm.Tests.KeyVault;

/// <summary>Hands out one fixed token and remembers the scopes it was asked for.</summary>
internal sealed class StaticTokenCredential(string token) : TokenCredential
{
    public ConcurrentQueue<string> RequestedScopes { get; } = new();

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        foreach (var scope in requestContext.Scopes) RequestedScopes.Enqueue(scope);
        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
