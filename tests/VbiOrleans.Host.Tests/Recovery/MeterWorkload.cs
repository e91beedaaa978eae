using VbiOrleans.Abstractions.Meters;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// Meters driven through the Orleans client as customers would drive them: each meter's commands in order (a meter
/// serializes them anyway), many meters at once. The client keeps its own view of every meter (registers, totals,
/// unrefunded indicia) and checks every answer against it, so a lost, doubled or misapplied command fails at once.
/// A call that throws (timeout, lost connection) is sent again with the same idempotency key (I4 makes that safe).
/// The grain factory is asked for each call: the client is replaced when the host is restarted.
/// </summary>
public sealed class MeterWorkload(Func<IGrainFactory> grains, string runId, int seed)
{
    public const long FundMills = 1_000_000;
    private const long DescendingCeilingMills = 5_000_000;
    private const int MaxAttempts = 5;

    public List<MeterView> Meters { get; } = [];

    /// <summary>Provisions, licenses, activates and funds <paramref name="count"/> new meters.</summary>
    public async Task AddOperationalMetersAsync(int count, int concurrency)
    {
        var added = Enumerable.Range(Meters.Count, count).Select(i => new MeterView(Domain.Meters.MeterId.New().Value, i)).ToList();
        await Parallel.ForEachAsync(added, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (m, _) =>
        {
            var meter = grains().GetGrain<IMeterGrain>(m.Id);
            var provisioned = await RetryAsync(meter.Provision);
            Assert.True(provisioned.IsSuccess, $"provision {m.Id}: {provisioned.Error}: {provisioned.Message}");
            await RunAsync(m, new LicenseCommand("10001"));
            await RunAsync(m, new ActivateCommand(new byte[32], new byte[48]));
            await RunAsync(m, new PostageValueDownloadCommand(FundMills, $"pay-{runId}-{m.Index}-fund"));
        });
        Meters.AddRange(added);
    }

    /// <summary>
    /// Exactly <paramref name="total"/> mixed commands spread over the meters: prints, PVDs, refunds of earlier
    /// prints, and a withdrawal as the last command of every <paramref name="withdrawEvery"/>-th meter (0: none).
    /// </summary>
    public async Task RunMixedAsync(int total, int concurrency, int withdrawEvery = 0)
    {
        var perMeter = Meters.Select((m, i) => (Meter: m, Count: total / Meters.Count + (i < total % Meters.Count ? 1 : 0))).ToList();
        await Parallel.ForEachAsync(perMeter, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (work, _) =>
        {
            var (m, count) = work;
            var random = new Random(HashCode.Combine(seed, m.Index, m.Sequence));
            for (var i = 0; i < count; i++)
            {
                var withdraw = withdrawEvery > 0 && m.Index % withdrawEvery == 0 && i == count - 1;
                await RunAsync(m, withdraw ? new WithdrawCommand() : NextCommand(m, random));
            }
        });
    }

    private MeterCommand NextCommand(MeterView m, Random random)
    {
        var roll = random.NextDouble();
        var pvd = random.Next(10_000, 200_001);
        if (roll < 0.15 && m.Descending + pvd <= DescendingCeilingMills) return new PostageValueDownloadCommand(pvd, $"pay-{runId}-{m.Index}-{m.Sequence}");
        if (roll < 0.27 && m.Unrefunded.Count > 0) return new RefundCommand(m.Unrefunded[random.Next(m.Unrefunded.Count)].IndiciumId);
        var postage = random.Next(50, 3_001);
        return m.Descending >= postage ? new PrintCommand(new PrintRequest(postage, "94105", "FCM")) : new PostageValueDownloadCommand(pvd, $"pay-{runId}-{m.Index}-{m.Sequence}");
    }

    /// <summary>Runs one command that must succeed, and checks the registers it returns against the client's view.</summary>
    public async Task<MeterResult> RunAsync(MeterView m, MeterCommand command, ExpectedRegisters? expected = null)
    {
        var result = await TryAsync(m, command, expected);
        Assert.True(result.IsSuccess, $"meter {m.Id} at sequence {m.Sequence}: {command.GetType().Name} refused: {result.Error}: {result.Message}");
        m.Apply(command, result);
        var r = result.Registers!;
        Assert.True(r.AscendingMills == m.Ascending && r.DescendingMills == m.Descending && r.PieceCount == m.Pieces && r.Sequence == m.Sequence,
            $"meter {m.Id}: the server answered {r} after {command.GetType().Name}; the client expected AR {m.Ascending}, DR {m.Descending}, " +
            $"{m.Pieces} pieces, sequence {m.Sequence}");
        return result;
    }

    /// <summary>Sends one command (retrying what throws with the same key) and returns the answer, whatever it is.</summary>
    public Task<MeterResult> TryAsync(MeterView m, MeterCommand command, ExpectedRegisters? expected = null)
    {
        var key = $"{runId}-{m.Index}-{m.Sent++}";
        return RetryAsync(() => grains().GetGrain<IMeterGrain>(m.Id).Execute(key, command, expected));
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < MaxAttempts && e is TimeoutException or OrleansException)
            {
                await Task.Delay(200 * attempt);
            }
        }
    }
}

/// <summary>The client's view of one meter: what it believes the registers and totals are.</summary>
public sealed class MeterView(string id, int index)
{
    public string Id { get; } = id;
    public int Index { get; } = index;
    public long Ascending { get; private set; }
    public long Descending { get; private set; }
    public long Pieces { get; private set; }
    public long Sequence { get; private set; }
    public long Downloaded { get; private set; }
    public long Withdrawn { get; private set; }
    public long Refunded { get; private set; }
    public bool IsWithdrawn { get; private set; }
    public List<(string IndiciumId, long PostageMills)> Unrefunded { get; } = [];
    public int Sent { get; set; }
    public int Downloads { get; private set; }
    public int Prints { get; private set; }
    public int Refunds { get; private set; }

    public ExpectedRegisters Expected => new(Ascending, Descending);

    public void Apply(MeterCommand command, MeterResult result)
    {
        switch (command)
        {
            case PostageValueDownloadCommand pvd:
                Descending += pvd.AmountMills;
                Downloaded += pvd.AmountMills;
                Downloads++;
                break;
            case PrintCommand print:
                Ascending += print.Request.PostageMills;
                Descending -= print.Request.PostageMills;
                Pieces++;
                Prints++;
                Unrefunded.Add((result.Indicium!.IndiciumId, print.Request.PostageMills));
                break;
            case RefundCommand refund:
                var (id, postage) = Unrefunded.Single(u => u.IndiciumId == refund.IndiciumId);
                Unrefunded.RemoveAll(u => u.IndiciumId == id);
                Ascending -= postage;
                Descending += postage;
                Refunded += postage;
                Refunds++;
                break;
            case WithdrawCommand:
                Withdrawn += Descending;
                Descending = 0;
                IsWithdrawn = true;
                break;
        }
        Sequence++;
    }
}

