using System.Globalization;

namespace VbiOrleans.Client;

public sealed partial class VbiClient
{
    // ---- SCAN forms ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Makes a SCAN form (USPS Shipment Confirmation Acceptance Notice) of a day's prints with a tracking number that
    /// are not refunded and on no other form: the account's, those of <see cref="ScanFormOrder.MeterIds"/>, or exactly
    /// <see cref="ScanFormOrder.TrackingNumbers"/>. The same <paramref name="idempotencyKey"/> returns the same form
    /// (with the same PDF bytes); nothing new to list throws <see cref="VbiApiException"/> with
    /// <see cref="VbiErrorCodes.NothingToManifest"/>. Needs a customer token or a partner acting for the customer.
    /// </summary>
    public Task<ScanForm> CreateScanFormAsync(ScanFormOrder? order = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var body = new
        {
            date = order?.Date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            meterIds = order?.MeterIds,
            trackingNumbers = order?.TrackingNumbers,
        };
        return SendAsync(HttpMethod.Post, "v1/scan-forms", body, Credentials.Customer,
            new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey ?? NewIdempotencyKey() }, ReadSuccessAsync<ScanForm>, cancellationToken);
    }

    /// <summary>The account's SCAN forms kept (the last 31 days), newest first, without their PDFs.</summary>
    public Task<IReadOnlyList<ScanForm>> ListScanFormsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<ScanForm>>(HttpMethod.Get, "v1/scan-forms", null, Credentials.Customer, null,
            async (r, t) => await ReadSuccessAsync<List<ScanForm>>(r, t), cancellationToken);

    /// <summary>One SCAN form with its PDF (<see cref="ScanForm.PdfBytes"/>).</summary>
    public Task<ScanForm> GetScanFormAsync(string formNumber, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(formNumber);
        return SendAsync(HttpMethod.Get, "v1/scan-forms/" + Uri.EscapeDataString(formNumber), null, Credentials.Customer, null,
            ReadSuccessAsync<ScanForm>, cancellationToken);
    }
}
