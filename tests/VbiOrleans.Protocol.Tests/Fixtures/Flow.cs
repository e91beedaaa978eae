using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Protocol.Tests.Fixtures;

/// <summary>A logged-in client and module for one meter: the starting point of the operational-state tests.</summary>
public sealed class Flow
{
    public byte[] Hmk { get; } = Keys.Hmk();
    public byte[] Verifier { get; } = PasswordVerifier.Create(Keys.Password, 100);
    public long Ar { get; set; } = 5_000;
    public long Dr { get; set; } = 95_000;
    public ChallengeChain Chain { get; }
    public ModuleSession Session { get; set; }

    public Flow(SessionOptions? options = null)
    {
        var request = LoginClient.CreateRequest(Keys.MeterId, Hmk, Keys.Password);
        var accepted = LoginModule.Accept(request, Hmk, Verifier, Ar, Dr, Keys.T0, options);
        Assert.Equal(LoginVerdict.Ok, accepted.Verdict);
        var completion = LoginClient.Complete(request, accepted.Response!, Hmk);
        Assert.Equal(LoginVerdict.Ok, completion.Verdict);
        Chain = completion.Chain!;
        Session = accepted.Session!;
    }
}
