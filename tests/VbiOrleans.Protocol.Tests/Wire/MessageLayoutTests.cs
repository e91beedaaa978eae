using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;

namespace VbiOrleans.Protocol.Tests.Wire;

/// <summary>The sizes and first bytes docs/client-protocol.md gives for each message (m = meter id length).</summary>
public sealed class MessageLayoutTests
{
    private static readonly int M = Keys.MeterId.Length;

    [Fact]
    public async Task Registration_messages_have_the_documented_sizes_and_headers()
    {
        var request = RegistrationClient.CreateRequest(Keys.MeterId);
        var answer = await RegistrationModule.RespondAsync(request, Keys.Signer, Keys.ModulePublic, Keys.T0);
        var envelope = RegistrationClient.Seal(request, answer.Response, Keys.ModulePublic, Keys.Hmk(), Keys.Password).Envelope!;
        AssertLayout(request.Encode(), MessageType.RegistrationRequest, 36 + M);
        AssertLayout(answer.Response.Encode(), MessageType.RegistrationResponse, 165 + M);
        AssertLayout(envelope.Encode(), MessageType.RegistrationEnvelope, 632 + M);
        AssertLayout(answer.Pending.Encode(), MessageType.PendingRegistration, 141 + M);
    }

    [Fact]
    public void Operational_messages_have_the_documented_sizes_and_headers()
    {
        var f = new Flow();
        var login = LoginClient.CreateRequest(Keys.MeterId, f.Hmk, Keys.Password);
        AssertLayout(login.Encode(), MessageType.LoginRequest, 566 + M);
        AssertLayout(LoginModule.Accept(login, f.Hmk, f.Verifier, 0, 0, Keys.T0).Response!.Encode(), MessageType.LoginResponse, 132 + M);

        var body = TransactionBody.Print(530, "94107", "first-class");
        var request = f.Chain.Sign(body, "key-1");
        AssertLayout(body.Encode(), MessageType.TransactionBody, 23 + "print".Length + "94107".Length + "first-class".Length + "postage".Length);
        AssertLayout(request.Encode(), MessageType.SignedRequest, 104 + M + "key-1".Length + body.Encode().Length);
        var reply = f.Session.Reply(f.Hmk, request, 0, 1, 2, [], Keys.T0);
        AssertLayout(reply.Response.Encode(), MessageType.SignedResponse, 168 + M);
        Assert.Equal((byte)MessageType.ModuleSession, reply.Session.Encode()[0]);
    }

    private static void AssertLayout(byte[] bytes, MessageType type, int size)
    {
        Assert.Equal((byte)type, bytes[0]);
        Assert.Equal(ProtocolConstants.Version, bytes[1]);
        Assert.Equal(size, bytes.Length);
    }
}
