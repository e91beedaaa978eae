using System.Collections.Concurrent;
using System.Diagnostics;
using VbiOrleans.Client;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>What one phase of the <c>--api</c> run did.</summary>
public sealed record ApiPhaseResult(
    PrintPhase Phase,
    TimeSpan Duration,
    IReadOnlyList<PrintAck> Acks,
    IReadOnlyDictionary<string, int> Refusals,
    int Unknown,
    int Retries)
{
    public int Refused => Refusals.Values.Sum();
    public double PerSecond => Duration > TimeSpan.Zero ? Acks.Count / Duration.TotalSeconds : 0;

    /// <summary>Nearest-rank percentile of the acknowledged prints' latencies, in ms.</summary>
    public double LatencyPercentile(double percentile)
    {
        if (Acks.Count == 0) return 0;
        var sorted = Acks.Select(a => a.LatencyMs).Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// Every customer prints one signed request at a time through the SDK (<see cref="MeterSession.PrintAsync"/> with the
/// label options) until the phase's time is up; a print started before then is finished, so the phase lasts until the
/// last one is answered. A print whose every attempt the SDK made failed (no answer, 5xx) is sent again with the SAME
/// idempotency key (the session signs the same bytes again, I4 answers it from the server's records), up to
/// <see cref="IdempotentRetry.MaxRetries"/> times; still unanswered, that customer stops (its chain cannot move on).
/// </summary>
public sealed class ApiWorkload(ApiCustomers customers, ApiOptions options)
{
    private int _printNumber;
    private string? _firstRefusal;

    /// <summary>The first refusal of the run, code and detail, for the report.</summary>
    public string? FirstRefusal => _firstRefusal;

    private readonly ConcurrentQueue<(ApiCustomer Customer, string Key, int Number)> _unknown = new();

    /// <summary>
    /// Asks again, with the same keys, for the prints whose every attempt went unanswered (a customer stops at such a
    /// print): the answer is the original result if there was one, so verification counts it.
    /// </summary>
    public async Task<ApiPhaseResult> ResolveAsync(CancellationToken cancellation)
    {
        var acks = new List<PrintAck>();
        var unknown = 0;
        var stopwatch = Stopwatch.StartNew();
        while (_unknown.TryDequeue(out var print))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var result = await print.Customer.Session.PrintAsync(Order, Label, print.Key, cancellation);
                acks.Add(new PrintAck(print.Customer.Index, print.Number, result.IndiciumId!, result.Sequence, result.AmountMills,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, PrintPhase.Resolved));
            }
            catch (Exception e) when (e is VbiApiException or HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                unknown++;
            }
        }
        return new ApiPhaseResult(PrintPhase.Resolved, stopwatch.Elapsed, acks, new Dictionary<string, int>(), unknown, 0);
    }

    private PrintOrder Order => new(options.PostageMills, "94105", "FIRST-CLASS");
    private LabelOptions Label => new(options.LabelFormat);

    public async Task<ApiPhaseResult> RunAsync(PrintPhase phase, TimeSpan length, CancellationToken cancellation)
    {
        var acks = new ConcurrentQueue<PrintAck>();
        var refusals = new ConcurrentDictionary<string, int>();
        var unknown = 0;
        var retries = 0;
        var order = Order;
        var label = Label;
        var stopwatch = Stopwatch.StartNew();

        async Task Customer(ApiCustomer customer)
        {
            while (!cancellation.IsCancellationRequested && stopwatch.Elapsed < length)
            {
                var number = Interlocked.Increment(ref _printNumber);
                var key = $"print-{customer.MeterId}-{number}";
                var started = Stopwatch.GetTimestamp();
                TransactionResult? result = null;
                string? refusal = null;
                for (var attempt = 0; attempt <= IdempotentRetry.MaxRetries && result is null && refusal is null; attempt++)
                {
                    if (attempt > 0) Interlocked.Increment(ref retries);
                    try
                    {
                        result = await customer.Session.PrintAsync(order, label, key, cancellation);
                    }
                    catch (VbiApiException e) when (!e.IsTransportFailure && e.Status < 500)
                    {
                        refusal = e.Code;
                        Interlocked.CompareExchange(ref _firstRefusal, $"{e.Code}: {e.Detail}", null);
                    }
                    catch (Exception e) when (e is VbiApiException or HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
                    {
                        // No answer: the same key again below.
                    }
                }
                var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (result is { IndiciumId: { } id })
                {
                    acks.Enqueue(new PrintAck(customer.Index, number, id, result.Sequence, result.AmountMills, latency, 0, phase));
                }
                else if (refusal is not null)
                {
                    refusals.AddOrUpdate(refusal, 1, (_, n) => n + 1);
                }
                else
                {
                    Interlocked.Increment(ref unknown);
                    _unknown.Enqueue((customer, key, number));
                    return;
                }
            }
        }

        await Task.WhenAll(customers.All.Select(c => Task.Run(() => Customer(c), CancellationToken.None)));
        var duration = stopwatch.Elapsed;
        cancellation.ThrowIfCancellationRequested();
        return new ApiPhaseResult(phase, duration, [.. acks], refusals.ToDictionary(), unknown, retries);
    }
}
