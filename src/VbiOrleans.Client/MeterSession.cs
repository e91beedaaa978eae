using System.Text.Json;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Client;

/// <summary>
/// An open meter session: the challenge chain (HMK, session id, the module's last challenge, the client's AR and DR).
/// Every money-moving call signs its transaction on the current state, sends it (retries send the very same bytes with
/// the same idempotency key), verifies the module's signed answer under the HMK and only then moves the chain on. A
/// refusal the module signed (InsufficientFunds, RegistersMismatch, …) also moves it (the challenge was consumed) and
/// is thrown as <see cref="VbiApiException"/>; a refusal it did not sign (bad MAC, no session, a replayed challenge)
/// leaves it where it was. Thread-safe; requests on one meter are answered one at a time by the module anyway.
/// </summary>
public sealed class MeterSession : IDisposable
{
    private readonly VbiClient _client;
    private readonly ChallengeChain _chain;
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal MeterSession(VbiClient client, ChallengeChain chain)
    {
        _client = client;
        _chain = chain;
    }

    public string MeterId => _chain.MeterId;

    /// <summary>The chain's state, to keep between runs (see <see cref="VbiClient.ResumeMeterSession"/>).</summary>
    public ChainState State => _chain.State;

    /// <summary>The client's record of the ascending register (postage printed), in mills.</summary>
    public long AscendingMills => _chain.State.AscendingMills;

    /// <summary>The client's record of the descending register (postage available), in mills.</summary>
    public long DescendingMills => _chain.State.DescendingMills;

    /// <summary>
    /// Buys postage and adds it to the meter: a purchase authorized on the payment method (the default when null), then
    /// the signed PVD that carries its id. One <paramref name="idempotencyKey"/> covers both steps, so calling this
    /// again after a failure anywhere reaches the same purchase and the same PVD; nothing is bought twice.
    /// </summary>
    public async Task<TransactionResult> BuyAsync(long amountMills, string? paymentMethodId = null, string? idempotencyKey = null,
        CancellationToken cancellationToken = default)
    {
        var key = idempotencyKey ?? VbiClient.NewIdempotencyKey();
        var purchase = await _client.CreatePurchaseAsync(MeterId, amountMills, key, paymentMethodId, cancellationToken);
        return await FundAsync(amountMills, purchase.Id, key, cancellationToken);
    }

    /// <summary>Adds value to the meter (a postage value download) paid by a purchase: its id is the payment reference.</summary>
    public Task<TransactionResult> FundAsync(long amountMills, string paymentReference, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        TransactAsync("funds", TransactionBody.PostageValueDownload(amountMills, paymentReference), null, idempotencyKey, cancellationToken);

    /// <summary>Prints one indicium and its label.</summary>
    public Task<TransactionResult> PrintAsync(PrintOrder order, LabelOptions? label = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        return TransactAsync("prints", TransactionBody.Print(order.PostageMills, order.DestinationZip, order.MailClass, order.ItemKind,
                ShipmentUnits.ToBody(order.Shipment)),
            label ?? new LabelOptions(), idempotencyKey, cancellationToken);
    }

    /// <summary>Refunds an unused indicium (its postage goes back to DR).</summary>
    public Task<TransactionResult> RefundAsync(string indiciumId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        TransactAsync("refunds", TransactionBody.Refund(indiciumId), null, idempotencyKey, cancellationToken);

    /// <summary>Withdraws the meter; the remaining DR is paid back. Final.</summary>
    public Task<TransactionResult> WithdrawAsync(string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        TransactAsync("withdrawal", TransactionBody.Withdraw(), null, idempotencyKey, cancellationToken);

    /// <summary>
    /// Signs and sends one transaction. Signing is deterministic, so calling this again with the same transaction and
    /// key before an answer was applied sends the identical request (a retry, answered from the server's records).
    /// </summary>
    public async Task<TransactionResult> TransactAsync(string route, TransactionBody transaction, LabelOptions? label, string? idempotencyKey,
        CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var key = idempotencyKey ?? VbiClient.NewIdempotencyKey();
            var request = _chain.Sign(transaction, key);
            var body = JsonSerializer.SerializeToUtf8Bytes(new { request = request.ToJson(), label }, VbiJson.Options);
            var (status, json, isProblem) = await _client.SendMoneyAsync($"{VbiClient.MeterPath(MeterId)}/{route}", body, key, cancellationToken);

            if (isProblem)
            {
                var error = Problem(status, json);
                if (json.TryGetProperty("signedResponse", out var signedJson))
                {
                    // The module consumed the challenge and signed its refusal: take the next challenge from it.
                    Apply(request, signedJson, []);
                }
                throw error;
            }

            var result = json.Deserialize<TransactionResult>(VbiJson.Options)
                ?? throw new VbiApiException(status, VbiErrorCodes.InvalidResponse, "InvalidResponse", "the transaction answer is empty");
            var payload = result.IndiciumId is { } id && result.IndiciumBytes() is { } indicium ? TransactionPayload.ForIndicium(id, indicium) : [];
            Apply(request, JsonSerializer.SerializeToElement(result.SignedResponse, VbiJson.Options), payload);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Apply(SignedRequest request, JsonElement signedJson, byte[] payload)
    {
        var signed = SignedResponse.FromJson(signedJson.Deserialize<SignedResponseJson>(VbiJson.Options));
        if (!signed.IsSuccess) throw VbiClient.NotAuthentic($"the module's signed response is malformed ({signed})");
        var verdict = _chain.Apply(request, signed.Value, payload);
        // ChainMoved: an authentic answer to a request this chain already applied (a replayed response); nothing to do.
        if (verdict is not (ResponseVerdict.Ok or ResponseVerdict.ChainMoved))
            throw VbiClient.NotAuthentic($"the module's signed response does not verify under the HMK ({verdict}); the chain did not move");
    }

    private static VbiApiException Problem(int status, JsonElement json)
    {
        string? Text(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var extensions = new Dictionary<string, JsonElement>();
        foreach (var member in json.EnumerateObject())
        {
            if (member.Name is not ("type" or "title" or "status" or "detail" or "instance" or "code")) extensions[member.Name] = member.Value.Clone();
        }
        return new VbiApiException(status, Text("code") ?? VbiErrorCodes.ForStatus(status), Text("title"), Text("detail")) { Extensions = extensions };
    }

    /// <summary>Clears the HMK from memory.</summary>
    public void Dispose()
    {
        _chain.Dispose();
        _gate.Dispose();
    }
}
