namespace VbiOrleans.Client;

public sealed partial class VbiClient
{
    // ---- plans and invoices --------------------------------------------------------------------------------------

    /// <summary>The pricing plans (public: no credentials).</summary>
    public Task<IReadOnlyList<PricingPlan>> ListPlansAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<PricingPlan>>(HttpMethod.Get, "v1/plans", null, Credentials.None, null,
            async (r, t) => await ReadSuccessAsync<List<PricingPlan>>(r, t), cancellationToken);

    /// <summary>The account's plan.</summary>
    public Task<CustomerPlan> GetPlanAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/customers/me/plan", null, Credentials.Customer, null, ReadSuccessAsync<CustomerPlan>, cancellationToken);

    /// <summary>
    /// Chooses a plan from now on; the month's plan fee is prorated between the plans. Choosing the plan in effect
    /// changes nothing, so a retry is harmless. An unknown plan throws <see cref="VbiApiException"/> with <see cref="VbiErrorCodes.UnknownPlan"/>.
    /// </summary>
    public Task<CustomerPlan> SetPlanAsync(string planId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        return SendAsync(HttpMethod.Put, "v1/customers/me/plan", new { plan = planId }, Credentials.Customer, null, ReadSuccessAsync<CustomerPlan>, cancellationToken);
    }

    /// <summary>The account's invoices, newest first.</summary>
    public Task<IReadOnlyList<Invoice>> ListInvoicesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<IReadOnlyList<Invoice>>(HttpMethod.Get, "v1/invoices", null, Credentials.Customer, null,
            async (r, t) => await ReadSuccessAsync<List<Invoice>>(r, t), cancellationToken);

    /// <summary>One invoice (<see cref="VbiErrorCodes.InvoiceNotFound"/> when the account has none with that number).</summary>
    public Task<Invoice> GetInvoiceAsync(string number, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(number);
        return SendAsync(HttpMethod.Get, "v1/invoices/" + Uri.EscapeDataString(number), null, Credentials.Customer, null, ReadSuccessAsync<Invoice>, cancellationToken);
    }

    /// <summary>One invoice's PDF.</summary>
    public Task<byte[]> GetInvoicePdfAsync(string number, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(number);
        return SendAsync(HttpMethod.Get, "v1/invoices/" + Uri.EscapeDataString(number) + ".pdf", null, Credentials.Customer, null, async (r, t) =>
        {
            await EnsureSuccessAsync(r, t);
            return await r.Content.ReadAsByteArrayAsync(t);
        }, cancellationToken);
    }

    /// <summary>Operator: runs a month's invoices (YYYY-MM) by hand; a second run issues and mails nothing twice.</summary>
    public Task<InvoiceRun> RunInvoicesAsync(string month, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(month);
        return SendAsync(HttpMethod.Post, "v1/operator/invoices/run?month=" + Uri.EscapeDataString(month), null, Credentials.Operator, null,
            ReadSuccessAsync<InvoiceRun>, cancellationToken);
    }

    /// <summary>Operator: a customer's invoices, newest first.</summary>
    public Task<IReadOnlyList<Invoice>> ListCustomerInvoicesAsync(string customerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        return SendAsync<IReadOnlyList<Invoice>>(HttpMethod.Get, $"v1/operator/customers/{Uri.EscapeDataString(customerId)}/invoices", null, Credentials.Operator, null,
            async (r, t) => await ReadSuccessAsync<List<Invoice>>(r, t), cancellationToken);
    }
}
