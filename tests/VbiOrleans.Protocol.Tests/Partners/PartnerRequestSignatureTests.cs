using System.Text;
using CsCheck;
using VbiOrleans.Protocol.Partners;
using VbiOrleans.Protocol.Tests.Fixtures;

namespace VbiOrleans.Protocol.Tests.Partners;

public sealed class PartnerRequestSignatureTests
{
    private const string PartnerId = "shop-42";
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("s3cr3t-partner-key-0123456789abcdef");
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"postageMills\":530}");
    private static readonly long Now = Keys.T0.ToUnixTimeSeconds();

    private static ValueTask<byte[]?> Lookup(string partnerId, CancellationToken _) =>
        ValueTask.FromResult(partnerId == PartnerId ? Secret : null);

    private static string Header(string path = "/v1/meters/m-1/prints?b=2&a=1", string method = "POST", long? timestamp = null, string? nonce = null,
        byte[]? secret = null, byte[]? body = null) =>
        PartnerRequestSignature.CreateAuthorization(PartnerId, secret ?? Secret, method, path, body ?? Body, timestamp ?? Now,
            nonce ?? "nonce-0123456789abcdef");

    private static ValueTask<PartnerVerification> Verify(string? header, string path = "/v1/meters/m-1/prints?b=2&a=1", string method = "POST",
        byte[]? body = null, INonceCache? cache = null, DateTimeOffset? now = null) =>
        PartnerRequestSignature.VerifyAsync(header, method, path, body ?? Body, now ?? Keys.T0, Lookup, cache ?? new InMemoryNonceCache());

    [Fact]
    public async Task A_signed_request_verifies_and_names_its_partner()
    {
        var header = Header();
        Assert.StartsWith("VBI-HMAC-SHA256 Credential=shop-42, Timestamp=", header, StringComparison.Ordinal);
        var result = await Verify(header);
        Assert.Equal(new PartnerVerification(PartnerVerdict.Ok, PartnerId), result);
    }

    [Fact]
    public async Task A_wrong_secret_a_changed_body_path_query_or_method_give_BadSignature()
    {
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(Header(secret: Encoding.UTF8.GetBytes("another secret")))).Verdict);
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(Header(), body: Encoding.UTF8.GetBytes("{\"postageMills\":531}"))).Verdict);
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(Header(), path: "/v1/meters/m-2/prints?b=2&a=1")).Verdict);
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(Header(), path: "/v1/meters/m-1/prints?b=3&a=1")).Verdict);
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(Header(), method: "PUT")).Verdict);
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(Header().Replace("Nonce=nonce-0", "Nonce=nonce-1", StringComparison.Ordinal))).Verdict);
    }

    [Fact]
    public async Task A_timestamp_outside_the_window_is_stale()
    {
        Assert.Equal(PartnerVerdict.Ok, (await Verify(Header(timestamp: Now - 300))).Verdict);
        Assert.Equal(PartnerVerdict.Ok, (await Verify(Header(timestamp: Now + 300))).Verdict);
        Assert.Equal(PartnerVerdict.StaleTimestamp, (await Verify(Header(timestamp: Now - 301))).Verdict);
        Assert.Equal(PartnerVerdict.StaleTimestamp, (await Verify(Header(timestamp: Now + 301))).Verdict);
    }

    [Fact]
    public async Task A_replayed_nonce_is_refused_within_the_window_and_forgotten_after_it()
    {
        var cache = new InMemoryNonceCache();
        var header = Header();
        Assert.Equal(PartnerVerdict.Ok, (await Verify(header, cache: cache)).Verdict);
        Assert.Equal(PartnerVerdict.ReplayedNonce, (await Verify(header, cache: cache, now: Keys.T0.AddSeconds(299))).Verdict);
        // Past the window the timestamp is stale anyway, and the cache may drop the nonce.
        Assert.Equal(PartnerVerdict.StaleTimestamp, (await Verify(header, cache: cache, now: Keys.T0.AddSeconds(301))).Verdict);
        Assert.Equal(PartnerVerdict.Ok, (await Verify(Header(nonce: "nonce-other-0123456"), cache: cache)).Verdict);
        await cache.TryAddAsync("x", "y", Keys.T0.AddHours(1), Keys.T0.AddHours(2));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_forged_request_does_not_use_up_the_nonce()
    {
        var cache = new InMemoryNonceCache();
        var forged = Header(secret: Encoding.UTF8.GetBytes("guess"));
        Assert.Equal(PartnerVerdict.BadSignature, (await Verify(forged, cache: cache)).Verdict);
        Assert.Equal(PartnerVerdict.Ok, (await Verify(Header(), cache: cache)).Verdict);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("VBI-HMAC-SHA256 Credential=shop-42, Timestamp=1, Nonce=nonce-0123456789abcdef")]
    [InlineData("VBI-HMAC-SHA256 Credential=shop-42, Credential=shop-42, Timestamp=1, Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("VBI-HMAC-SHA256 Credential=shop 42, Timestamp=1, Nonce=nonce-0123456789abcdef, Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("VBI-HMAC-SHA256 Credential=shop-42, Timestamp=-1, Nonce=nonce-0123456789abcdef, Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("VBI-HMAC-SHA256 Credential=shop-42, Timestamp=1, Nonce=short, Signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("VBI-HMAC-SHA256 Credential=shop-42, Timestamp=1, Nonce=nonce-0123456789abcdef, Signature=notbase64")]
    public async Task Malformed_headers_are_named(string? header) =>
        Assert.Equal(PartnerVerdict.Malformed, (await Verify(header)).Verdict);

    [Fact]
    public async Task An_unknown_partner_is_named()
    {
        var header = PartnerRequestSignature.CreateAuthorization("stranger", Secret, "POST", "/x", Body, Now, "nonce-0123456789abcdef");
        Assert.Equal(new PartnerVerification(PartnerVerdict.UnknownPartner, "stranger"), await Verify(header, path: "/x"));
    }

    [Fact]
    public async Task Parameter_order_and_case_do_not_matter_but_every_value_does()
    {
        Assert.True(PartnerRequestSignature.TryParse(Header(), out var a));
        var reordered = $"VBI-HMAC-SHA256 signature={a.Signature},nonce={a.Nonce} , timestamp={a.Timestamp}, credential={a.PartnerId}";
        Assert.Equal(PartnerVerdict.Ok, (await Verify(reordered)).Verdict);
    }

    [Theory]
    [InlineData("/v1/a%2fb", "/v1/a%2Fb")]
    [InlineData("/v1/a b", "/v1/a%20b")]
    [InlineData("/v1/caf\u00e9", "/v1/caf%C3%A9")]
    [InlineData("/v1/%7Euser", "/v1/~user")]
    [InlineData("/v1/x?b=2&a=1", "/v1/x?a=1&b=2")]
    [InlineData("/v1/x?a", "/v1/x?a=")]
    [InlineData("/v1/x?", "/v1/x")]
    [InlineData("", "/")]
    [InlineData("/v1/x#frag", "/v1/x")]
    public void Different_escapings_of_one_target_sign_alike(string a, string b) =>
        Assert.Equal(PartnerRequestSignature.CanonicalPathAndQuery(a), PartnerRequestSignature.CanonicalPathAndQuery(b));

    [Theory]
    [InlineData("/v1/a/b", "/v1/a%2Fb")]
    [InlineData("/v1/x?a=1+2", "/v1/x?a=1%202")]
    [InlineData("/v1/x?a=1&a=2", "/v1/x?a=1")]
    [InlineData("/v1/X", "/v1/x")]
    public void Different_targets_sign_differently(string a, string b) =>
        Assert.NotEqual(PartnerRequestSignature.CanonicalPathAndQuery(a), PartnerRequestSignature.CanonicalPathAndQuery(b));

    [Fact]
    public void Canonicalization_is_idempotent() =>
        Gen.Char["/?&=%ab1 +~é#"].Array[0, 30].Select(c => new string(c)).Sample(target =>
        {
            var once = PartnerRequestSignature.CanonicalPathAndQuery(target);
            Assert.Equal(once, PartnerRequestSignature.CanonicalPathAndQuery(once));
        });

    [Fact]
    public void The_canonical_string_is_the_documented_lines()
    {
        var s = PartnerRequestSignature.CanonicalString(PartnerId, "post", "/v1/x?b=2&a=1", 1700000000, "nonce-0123456789abcdef", []);
        Assert.Equal(
            "VBI-HMAC-SHA256\nshop-42\nPOST\n/v1/x?a=1&b=2\n1700000000\nnonce-0123456789abcdef\n" +
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", s);
        Assert.Equal(22, PartnerRequestSignature.NewNonce().Length);
    }
}

public sealed class WebhookSignatureTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("whsec-0123456789");
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"event\":\"indicium.printed\",\"id\":\"ev-1\"}");
    private static readonly long Now = Keys.T0.ToUnixTimeSeconds();

    [Fact]
    public void A_signed_webhook_verifies()
    {
        var header = WebhookSignature.Create(Now, Body, Secret);
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", header);
        Assert.Equal(WebhookVerdict.Ok, WebhookSignature.Verify(header, Secret, Body, Keys.T0));
    }

    [Fact]
    public void The_signature_is_HMAC_of_timestamp_dot_body()
    {
        var header = WebhookSignature.Create(1700000000, "hello"u8, "key"u8.ToArray());
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("key"u8, "1700000000.hello"u8));
        Assert.Equal($"t=1700000000,v1={expected}", header);
    }

    [Fact]
    public void A_changed_body_or_timestamp_or_a_wrong_secret_is_invalid()
    {
        var header = WebhookSignature.Create(Now, Body, Secret);
        Assert.Equal(WebhookVerdict.BadSignature, WebhookSignature.Verify(header, Secret, [.. Body, (byte)' '], Keys.T0));
        Assert.Equal(WebhookVerdict.BadSignature, WebhookSignature.Verify(header, "other"u8, Body, Keys.T0));
        Assert.Equal(WebhookVerdict.BadSignature, WebhookSignature.Verify(header.Replace($"t={Now}", $"t={Now + 1}", StringComparison.Ordinal), Secret, Body, Keys.T0));
    }

    [Fact]
    public void A_stale_webhook_is_refused()
    {
        var header = WebhookSignature.Create(Now - 301, Body, Secret);
        Assert.Equal(WebhookVerdict.StaleTimestamp, WebhookSignature.Verify(header, Secret, Body, Keys.T0));
        Assert.Equal(WebhookVerdict.Ok, WebhookSignature.Verify(header, Secret, Body, Keys.T0, TimeSpan.FromMinutes(10)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=00")]
    [InlineData("t=1")]
    [InlineData("t=1,t=2,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=x,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    public void Malformed_headers_are_named(string? header) =>
        Assert.Equal(WebhookVerdict.Malformed, WebhookSignature.Verify(header, Secret, Body, Keys.T0));

    [Fact]
    public void During_a_rotation_either_secret_verifies()
    {
        var next = "whsec-next"u8.ToArray();
        var header = WebhookSignature.Create(Now, Body, Secret, next);
        Assert.Equal(WebhookVerdict.Ok, WebhookSignature.Verify(header, Secret, Body, Keys.T0));
        Assert.Equal(WebhookVerdict.Ok, WebhookSignature.Verify(header, next, Body, Keys.T0));
        Assert.Equal(WebhookVerdict.BadSignature, WebhookSignature.Verify(header, "third"u8, Body, Keys.T0));
    }
}
