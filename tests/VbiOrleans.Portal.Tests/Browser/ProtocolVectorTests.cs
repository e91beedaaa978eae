using System.Text.Json.Nodes;
using VbiOrleans.Portal.Tests.Fixtures;

namespace VbiOrleans.Portal.Tests.Browser;

/// <summary>
/// The browser's protocol module (wwwroot/js/vbi-protocol.js, as the host serves it) in Debian's chromium against the
/// vectors .NET made (tests/VbiOrleans.Protocol.Tests/Vectors/client-protocol.json, which BrowserVectorTests checks
/// .NET still reproduces): the same bytes for the registration request, the signed transcript, the sealed envelope,
/// the sealed login password, every signed request and its encoding (a print with a shipment and a withdrawal
/// among them), the sealed password change; the same verdicts for the module's answers, and the refusals of a tampered
/// signature or MAC.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class ProtocolVectorTests(PortalFixture portal)
{
    // Runs in the page: every output the vectors hold, recomputed by the module from the vectors' inputs.
    private const string Reproduce = """
        async text => {
            const v = JSON.parse(text);
            const vbi = await import("/js/vbi-protocol.js");
            const b = vbi.fromBase64, s = vbi.toBase64;
            const i = v.inputs;
            const flip = text => { const x = b(text); x[5] ^= 1; return s(x); };
            const out = { registration: {}, login: {}, steps: [], refusals: {} };

            const moduleKey = await vbi.importModuleKey(b(i.moduleIdentitySpki));
            const request = vbi.registrationRequest(i.meterId, b(i.registrationChallenge));
            out.registration.request = request;
            out.registration.signedBytes = s(vbi.registrationSignedBytes(i.meterId, b(i.registrationChallenge), b(i.moduleEphemeralPoint)));
            out.registration.verdict = await vbi.verifyRegistrationResponse(request, v.registration.response, moduleKey);
            out.refusals.badSignature = await vbi.verifyRegistrationResponse(request,
                { ...v.registration.response, signature: flip(v.registration.response.signature) }, moduleKey);
            out.refusals.otherChallenge = await vbi.verifyRegistrationResponse(vbi.registrationRequest(i.meterId), v.registration.response, moduleKey);
            const ephemeral = await vbi.ecdhKeyPair(b(i.clientEphemeralScalar), b(i.clientEphemeralPoint));
            out.registration.envelope = await vbi.sealRegistration(request, v.registration.response, moduleKey, b(i.hmk), i.password, ephemeral);

            const hmk = await vbi.importHmk(b(i.hmk));
            out.extractable = [hmk.hmac.extractable, hmk.hkdf.extractable];
            out.exportRefused = await crypto.subtle.exportKey("raw", hmk.hmac).then(() => false, () => true);
            out.login.request = await vbi.loginRequest(i.meterId, hmk, i.password, b(v.login.request.clientChallenge));
            out.login.state = await vbi.completeLogin(v.login.request, v.login.response, hmk);
            out.refusals.loginMac = await vbi.completeLogin(v.login.request, { ...v.login.response, mac: flip(v.login.response.mac) }, hmk)
                .then(() => "Ok", e => e.code);

            // The shipment as the page builds it (the sides in any order), and the withdrawal.
            const vs = v.steps.find(x => x.name === "shipment").transaction;
            const built = vbi.transactions.print(vs.amountMills, vs.destinationZip, vs.mailClass, vs.itemKind,
                vbi.shipment(vbi.shippingAddress(vs.shipment.from), vbi.shippingAddress(vs.shipment.to), vs.shipment.weightTenthsOz,
                    [vs.shipment.dimensionsHundredths[2], vs.shipment.dimensionsHundredths[0], vs.shipment.dimensionsHundredths[1]],
                    vs.shipment.signature, vs.shipment.declaredValueMills));
            out.built = { shipment: built, withdraw: vbi.transactions.withdraw() };
            out.refusals.shipmentWeight = await Promise.resolve().then(() => vbi.shipment(built.shipment.from, built.shipment.to, 0)).then(() => "Ok", e => e.code);
            out.refusals.refundShipment = await Promise.resolve().then(() => vbi.encodeTransaction({ ...vbi.transactions.refund("x"), shipment: built.shipment }))
                .then(() => "Ok", e => e.code);

            for (const step of v.steps) {
                const signed = await vbi.signRequest(hmk, step.state, step.name === "shipment" ? built : step.transaction, step.idempotencyKey);
                const payload = step.indiciumId ? vbi.indiciumPayload(step.indiciumId, v.indicium) : new Uint8Array(0);
                const next = await vbi.applyResponse(hmk, step.state, signed, step.response, payload);
                out.steps.push({ request: signed, encoded: s(vbi.encodeSignedRequest(signed)), payload: s(payload), next });
            }
            const last = v.steps[0];
            const signed = await vbi.signRequest(hmk, last.state, last.transaction, last.idempotencyKey);
            out.refusals.responseMac = await vbi.applyResponse(hmk, last.state, signed, { ...last.response, mac: flip(last.response.mac) })
                .then(() => "Ok", e => e.code);
            out.refusals.payload = await vbi.applyResponse(hmk, last.state, signed, last.response, new Uint8Array([1]))
                .then(() => "Ok", e => e.code);
            out.refusals.chainMoved = await vbi.applyResponse(hmk, v.steps[1].state, signed, last.response).then(() => "Ok", e => e.code);
            out.refusals.password = vbi.checkPassword("aaaaaaaaaaaa");
            out.passwordChange = await vbi.passwordChangeRequest(i.meterId, hmk, i.password, v.passwordChange.newPassword,
                b(v.passwordChange.request.clientChallenge));
            out.refusals.newPassword = await vbi.passwordChangeRequest(i.meterId, hmk, i.password, "short").then(() => "Ok", e => e.code);
            return JSON.stringify(out);
        }
        """;

    [Fact]
    public async Task The_browser_module_reproduces_the_bytes_of_the_dotnet_protocol()
    {
        var vectors = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Vectors", "client-protocol.json")))!;
        var page = await portal.NewPageAsync();
        await page.GotoAsync("/");
        var result = JsonNode.Parse(await page.EvaluateAsync<string>(Reproduce, vectors.ToJsonString()))!;

        var registration = vectors["registration"]!;
        AssertSame(registration["request"], result["registration"]!["request"], "registration request");
        AssertSame(registration["signedBytes"], result["registration"]!["signedBytes"], "the bytes the module key signs");
        Assert.Equal("None", (string?)result["registration"]!["verdict"]);
        AssertSame(registration["envelope"], result["registration"]!["envelope"], "registration envelope");
        AssertSame(vectors["login"]!["request"], result["login"]!["request"], "login request (sealed password)");

        // The chain after the login, and after each answer, is the state the next step was signed on.
        var steps = vectors["steps"]!.AsArray();
        AssertState(steps[0]!["state"]!, result["login"]!["state"]!);
        for (var n = 0; n < steps.Count; n++)
        {
            var got = result["steps"]![n]!;
            AssertSame(steps[n]!["request"], got["request"], $"signed request {steps[n]!["name"]}");
            AssertSame(steps[n]!["encoded"], got["encoded"], $"encoded request {steps[n]!["name"]}");
            AssertSame(steps[n]!["payload"], got["payload"], $"payload {steps[n]!["name"]}");
            var response = steps[n]!["response"]!;
            var next = n + 1 < steps.Count ? steps[n + 1]!["state"]! : new JsonObject
            {
                ["meterId"] = (string?)response["meterId"],
                ["sessionId"] = (string?)response["sessionId"],
                ["challenge"] = (string?)response["nextChallenge"],
                ["ascendingMills"] = (long)response["ascendingMills"]!,
                ["descendingMills"] = (long)response["descendingMills"]!,
            };
            AssertState(next, got["next"]!);
        }

        AssertSame(steps.Single(s => (string?)s!["name"] == "shipment")!["transaction"], result["built"]!["shipment"], "a print with a shipment as the page builds it");
        AssertSame(steps.Single(s => (string?)s!["name"] == "withdraw")!["transaction"], result["built"]!["withdraw"], "a withdrawal");
        AssertSame(vectors["passwordChange"]!["request"], result["passwordChange"], "password change (both passwords sealed)");

        // The HMK's keys cannot leave WebCrypto.
        Assert.Equal("[false,false]", result["extractable"]!.ToJsonString());
        Assert.True((bool)result["exportRefused"]!);

        var refusals = result["refusals"]!;
        Assert.Equal("BadSignature", (string?)refusals["badSignature"]);
        Assert.Equal("ChallengeMismatch", (string?)refusals["otherChallenge"]);
        Assert.Equal("BadMac", (string?)refusals["loginMac"]);
        Assert.Equal("BadMac", (string?)refusals["responseMac"]);
        Assert.Equal("PayloadMismatch", (string?)refusals["payload"]);
        Assert.Equal("ChainMoved", (string?)refusals["chainMoved"]);
        Assert.Equal("OneRepeatedCharacter", (string?)refusals["password"]);
        Assert.Equal("PasswordRejected", (string?)refusals["newPassword"]);
        Assert.Equal("InvalidField", (string?)refusals["shipmentWeight"]);
        Assert.Equal("InvalidField", (string?)refusals["refundShipment"]);
    }

    private static void AssertSame(JsonNode? expected, JsonNode? actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what}: .NET {expected?.ToJsonString()}\nbrowser {actual?.ToJsonString()}");

    private static void AssertState(JsonNode expected, JsonNode actual)
    {
        foreach (var field in new[] { "meterId", "sessionId", "challenge", "ascendingMills", "descendingMills" })
            AssertSame(expected[field], actual[field], "chain state " + field);
    }
}
