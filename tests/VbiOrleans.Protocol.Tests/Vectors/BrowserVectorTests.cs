using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;
using VbiOrleans.Protocol.Tests.Fixtures;

namespace VbiOrleans.Protocol.Tests.Vectors;

/// <summary>
/// The test vectors the browser's module (src/VbiOrleans.Host/wwwroot/js/vbi-protocol.js) must reproduce byte for byte
/// (tests/VbiOrleans.Portal.Tests/Browser/ProtocolVectorTests): a registration (request, the module's signed answer, the
/// sealed envelope), a login (sealed password, the MAC'd answer), a chain of signed requests (a PVD, a print with
/// its indicium payload, a refund, a print with a shipment, a withdrawal) with the module's signed answers, and a
/// password change (both passwords sealed under the HMK). The keys and the ECDSA signature are inputs kept in the file
/// (ECDSA and fresh ephemeral keys are random); everything else is recomputed here from them and must equal the file.
/// VBI_WRITE_VECTORS=1 writes the file again from its inputs (after a new vector is added); VBI_WRITE_VECTORS=fresh
/// writes one with new keys and a new signature.
/// </summary>
public sealed class BrowserVectorTests
{
    public const string FileName = "client-protocol.json";

    // Written without escaping + and non-ASCII, so the file reads as the base64 and the password it holds.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void DotNet_reproduces_every_vector_the_browser_is_tested_against()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vectors", FileName);
        if (Environment.GetEnvironmentVariable("VBI_WRITE_VECTORS") is "1" or "fresh")
        {
            var inputs = Environment.GetEnvironmentVariable("VBI_WRITE_VECTORS") == "fresh"
                ? Inputs.Fresh()
                : Inputs.From(JsonNode.Parse(File.ReadAllText(path))!["inputs"]!.AsObject());
            var fresh = Build(inputs).ToJsonString(Indented) + "\n";
            File.WriteAllText(Path.Combine(SourceFolder(), FileName), fresh);
            path = Path.Combine(SourceFolder(), FileName);
        }
        var stored = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var rebuilt = Build(Inputs.From(stored["inputs"]!.AsObject()));
        Assert.Equal(stored.ToJsonString(Indented), rebuilt.ToJsonString(Indented));
    }

    [Fact]
    public void The_stored_registration_answer_verifies_under_the_stored_module_key_and_the_envelope_opens()
    {
        var stored = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", FileName)))!.AsObject();
        var inputs = Inputs.From(stored["inputs"]!.AsObject());
        var registration = stored["registration"]!;
        var request = RegistrationRequest.FromJson(registration["request"].Deserialize<RegistrationRequestJson>()).Value!;
        var response = RegistrationResponse.FromJson(registration["response"].Deserialize<RegistrationResponseJson>()).Value!;
        Assert.Equal(RegistrationError.None, RegistrationClient.VerifyResponse(request, response, inputs.ModuleKey));

        // The module side opens the file's envelope with the module's ephemeral private key: the vector is a real one.
        var pending = PendingRegistration.Decode(PendingBytes(inputs)).Value!;
        var envelope = RegistrationEnvelope.FromJson(registration["envelope"].Deserialize<RegistrationEnvelopeJson>()).Value!;
        var opened = RegistrationModule.Open(pending, envelope, Keys.T0.AddMinutes(1), Keys.FastPasswords);
        Assert.True(opened.IsSuccess, opened.ToString());
        Assert.Equal(inputs.Hmk, opened.Secrets!.Hmk);
    }

    private static byte[] PendingBytes(Inputs i)
    {
        // PendingRegistration's layout (docs/client-protocol.md §2): 41 01 | meterId | clientChallenge | E | e | expiresAt.
        var meter = Encoding.UTF8.GetBytes(i.MeterId);
        var bytes = new List<byte> { 0x41, 0x01, (byte)meter.Length, (byte)(meter.Length >> 8) };
        bytes.AddRange(meter);
        bytes.AddRange(i.RegistrationChallenge);
        bytes.AddRange(i.ModuleEphemeralPoint);
        bytes.AddRange(i.ModuleEphemeralScalar);
        bytes.AddRange(BitConverter.GetBytes(Keys.T0.AddMinutes(10).ToUnixTimeMilliseconds()));
        return [.. bytes];
    }

    private static JsonObject Build(Inputs i)
    {
        // Registration.
        var registrationRequest = new RegistrationRequest(i.MeterId, i.RegistrationChallenge);
        var response = new RegistrationResponse(i.MeterId, i.RegistrationChallenge, i.ModuleEphemeralPoint, i.RegistrationSignature);
        Assert.Equal(RegistrationError.None, RegistrationClient.VerifyResponse(registrationRequest, response, i.ModuleKey));
        using var clientEphemeral = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = i.ClientEphemeralScalar,
            Q = new ECPoint { X = i.ClientEphemeralPoint[1..33], Y = i.ClientEphemeralPoint[33..] },
        });
        var sealing = RegistrationClient.Seal(registrationRequest, response, i.ModuleKey, i.Hmk, i.Password, clientEphemeral);
        Assert.True(sealing.IsSuccess, sealing.ToString());

        // Login: the module's session id and first challenge come from a seeded generator.
        var loginRequest = LoginClient.CreateRequest(i.MeterId, i.Hmk, i.Password, new SeededRandom(23));
        var verifier = PasswordVerifier.Create(i.Password, 1_000, new SeededRandom(24));
        var acceptance = LoginModule.Accept(loginRequest, i.Hmk, verifier, 0, 0, Keys.T0, rng: new SeededRandom(25));
        Assert.Equal(LoginVerdict.Ok, acceptance.Verdict);
        var login = LoginClient.Complete(loginRequest, acceptance.Response!, i.Hmk);
        Assert.Equal(LoginVerdict.Ok, login.Verdict);

        // A chain of three signed requests and the module's signed answers.
        using var chain = login.Chain!;
        var next = new SeededRandom(26);
        var indicium = new byte[96];
        next.GetBytes(indicium);
        var steps = new JsonArray();
        (string Name, TransactionBody Body, long Ar, long Dr, string? IndiciumId)[] plan =
        [
            ("pvd", TransactionBody.PostageValueDownload(25_000, "pur_0123456789abcdef"), 0, 25_000, null),
            ("print", TransactionBody.Print(690, "94107", "first-class"), 690, 24_310, "ind-m-0123456789abcdef-2"),
            ("refund", TransactionBody.Refund("ind-m-0123456789abcdef-2"), 0, 25_000, null),
            ("shipment", TransactionBody.Print(9_350, "94102", "PRIORITY", shipment: Shipment), 9_350, 15_650, "ind-m-0123456789abcdef-4"),
            ("withdraw", TransactionBody.Withdraw(), 9_350, 0, null),
        ];
        foreach (var (name, body, ar, dr, indiciumId) in plan)
        {
            var payload = indiciumId is null ? [] : TransactionPayload.ForIndicium(indiciumId, indicium);
            var state = chain.State;
            var request = chain.Sign(body, "portal-vector-" + name);
            var challenge = new byte[32];
            next.GetBytes(challenge);
            var answer = ResponseAuthenticator.Sign(i.Hmk, request, 0, ar, dr, challenge, payload);
            Assert.Equal(ResponseVerdict.Ok, chain.Apply(request, answer, payload));
            steps.Add(new JsonObject
            {
                ["name"] = name,
                ["state"] = new JsonObject
                {
                    ["meterId"] = i.MeterId,
                    ["sessionId"] = Convert.ToBase64String(state.SessionId.Span),
                    ["challenge"] = Convert.ToBase64String(state.Challenge.Span),
                    ["ascendingMills"] = state.AscendingMills,
                    ["descendingMills"] = state.DescendingMills,
                },
                ["idempotencyKey"] = request.IdempotencyKey,
                ["indiciumId"] = indiciumId,
                ["transaction"] = Node(body.ToJson()),
                ["request"] = Node(request.ToJson()),
                ["encoded"] = Convert.ToBase64String(request.Encode()),
                ["response"] = Node(answer.ToJson()),
                ["payload"] = Convert.ToBase64String(payload),
            });
        }

        // A password change: the current and a new password sealed under the HMK; the module's half opens it.
        const string newPassword = "Ein neues Kennwort, 2026";
        var change = PasswordChange.CreateRequest(i.MeterId, i.Hmk, i.Password, newPassword, new SeededRandom(27));
        var changed = PasswordChange.Accept(change, i.Hmk, verifier, [], PasswordOptions.Default with { Iterations = 1_000 }, new SeededRandom(28));
        Assert.Equal(PasswordChangeVerdict.Ok, changed.Verdict);

        return new JsonObject
        {
            ["about"] = "Generated by tests/VbiOrleans.Protocol.Tests/Vectors/BrowserVectorTests.cs (VBI_WRITE_VECTORS=1); the browser's vbi-protocol.js must reproduce every output.",
            ["inputs"] = i.ToJson(),
            ["registration"] = new JsonObject
            {
                ["request"] = Node(registrationRequest.ToJson()),
                ["signedBytes"] = Convert.ToBase64String(SignedBytes(i)),
                ["response"] = Node(response.ToJson()),
                ["envelope"] = Node(sealing.Envelope!.ToJson()),
            },
            ["login"] = new JsonObject
            {
                ["request"] = Node(loginRequest.ToJson()),
                ["response"] = Node(acceptance.Response!.ToJson()),
            },
            ["indicium"] = Convert.ToBase64String(indicium),
            ["steps"] = steps,
            ["passwordChange"] = new JsonObject
            {
                ["newPassword"] = newPassword,
                ["request"] = Node(change.ToJson()),
            },
        };
    }

    /// <summary>What the module identity key signs (with SHA-256), as docs/client-protocol.md §2 spells it.</summary>
    private static byte[] SignedBytes(Inputs i)
    {
        static byte[] Text(string s)
        {
            var b = Encoding.UTF8.GetBytes(s);
            return [(byte)b.Length, (byte)(b.Length >> 8), .. b];
        }
        return [.. Text(ProtocolConstants.RegisterSignatureTag), ProtocolConstants.Version, .. Text(i.MeterId), .. i.RegistrationChallenge, .. i.ModuleEphemeralPoint];
    }

    /// <summary>A shipment with the optional address fields used and unused, dimensions, and both extra services.</summary>
    private static ShipmentBody Shipment => new(
        new ShippingAddress("ACME SHIPPING", "ACME INC", "350 5TH AVE", "STE 7700", "NEW YORK", "NY", "10118", "0110"),
        new ShippingAddress("JANE ROE", null, "1 DR CARLTON B GOODLETT PL", null, "SAN FRANCISCO", "CA", "94102", null),
        35, 1_200, 1_000, 450, signature: true, declaredValueMills: 100_000);

    private static JsonNode Node<T>(T value) => JsonSerializer.SerializeToNode(value)!;

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private sealed record Inputs(string MeterId, string Password, byte[] Hmk, byte[] RegistrationChallenge, byte[] ModuleIdentitySpki,
        byte[] ModuleEphemeralScalar, byte[] ModuleEphemeralPoint, byte[] ClientEphemeralScalar, byte[] ClientEphemeralPoint, byte[] RegistrationSignature)
    {
        public ModulePublicKey ModuleKey => ModulePublicKey.FromSubjectPublicKeyInfo(ModuleIdentitySpki);

        public static Inputs Fresh()
        {
            using var identity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var moduleEphemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            using var clientEphemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
            var m = moduleEphemeral.ExportParameters(true);
            var c = clientEphemeral.ExportParameters(true);
            var challenge = new byte[32];
            new SeededRandom(22).GetBytes(challenge);
            var partial = new Inputs(Keys.MeterId, "Grüße, 10 characters ok", Keys.Hmk(23), challenge, identity.ExportSubjectPublicKeyInfo(),
                m.D!, [0x04, .. m.Q.X!, .. m.Q.Y!], c.D!, [0x04, .. c.Q.X!, .. c.Q.Y!], []);
            var signature = identity.SignHash(SHA256.HashData(SignedBytes(partial)), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return partial with { RegistrationSignature = signature };
        }

        public static Inputs From(JsonObject o)
        {
            byte[] B(string name) => Convert.FromBase64String((string)o[name]!);
            return new((string)o["meterId"]!, (string)o["password"]!, B("hmk"), B("registrationChallenge"), B("moduleIdentitySpki"),
                B("moduleEphemeralScalar"), B("moduleEphemeralPoint"), B("clientEphemeralScalar"), B("clientEphemeralPoint"), B("registrationSignature"));
        }

        public JsonObject ToJson() => new()
        {
            ["meterId"] = MeterId,
            ["password"] = Password,
            ["hmk"] = Convert.ToBase64String(Hmk),
            ["registrationChallenge"] = Convert.ToBase64String(RegistrationChallenge),
            ["moduleIdentitySpki"] = Convert.ToBase64String(ModuleIdentitySpki),
            ["moduleEphemeralScalar"] = Convert.ToBase64String(ModuleEphemeralScalar),
            ["moduleEphemeralPoint"] = Convert.ToBase64String(ModuleEphemeralPoint),
            ["clientEphemeralScalar"] = Convert.ToBase64String(ClientEphemeralScalar),
            ["clientEphemeralPoint"] = Convert.ToBase64String(ClientEphemeralPoint),
            ["registrationSignature"] = Convert.ToBase64String(RegistrationSignature),
        };
    }
}
