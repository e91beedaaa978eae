using System.Collections.Concurrent;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Tests.Fixtures;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>
/// A storm of 1,000 prints from 32 concurrent clients that retry with the same idempotency key, while a silo is
/// killed: no acknowledged print is lost (I3), none is charged twice (I4), AR + DR is conserved (I1).
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class PrintStormTests(PostgresClusterFixture fixture)
{
    private const int Meters = 20;
    private const int PrintsPerMeter = 50;
    private const long Postage = 630;

    [Fact]
    public async Task A_silo_killed_during_a_storm_of_1000_prints_loses_and_double_charges_nothing()
    {
        var cluster = fixture.Cluster;
        var meters = await Task.WhenAll(Enumerable.Range(0, Meters).Select(_ => new MeterScenario(cluster.Client).OperationalAsync(fundMills: 1_000_000)));
        var work = new ConcurrentQueue<(MeterScenario Meter, string Key)>(
            meters.SelectMany(m => Enumerable.Range(0, PrintsPerMeter).Select(_ => (m, Key()))).OrderBy(_ => Random.Shared.Next()));
        var acknowledged = new ConcurrentDictionary<string, ConcurrentDictionary<string, long>>();
        var failures = 0;
        var retries = 0;
        var killed = false;
        var acknowledgedCount = 0;

        async Task Client()
        {
            while (work.TryDequeue(out var item))
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var result = await item.Meter.PrintAsync(Postage, item.Key);
                        if (!result.IsSuccess) throw new InvalidOperationException($"{result.Error}: {result.Message}");
                        acknowledged.GetOrAdd(item.Meter.MeterId, _ => new())[result.Indicium!.IndiciumId] = result.Indicium.PostageMills;
                        Interlocked.Increment(ref acknowledgedCount);
                        break;
                    }
                    catch (Exception) when (attempt < 8)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(200 * attempt);
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref failures);
                        break;
                    }
                }
            }
        }

        async Task Killer()
        {
            while (Volatile.Read(ref acknowledgedCount) < 300) await Task.Delay(20);
            var victim = cluster.Silos[^1];
            await cluster.KillSiloAsync(victim);
            killed = true;
        }

        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(Client)).Append(Killer()));
        Assert.True(killed);
        Assert.Equal(0, failures);
        Assert.Equal(Meters * PrintsPerMeter, acknowledged.Values.Sum(v => v.Count));

        foreach (var meter in meters)
        {
            var audit = await meter.Meter.Audit();
            var mine = acknowledged[meter.MeterId];
            // I3: every acknowledged print is committed; I4: nothing beyond them was charged.
            Assert.Equal(mine.Count, audit.Registers!.PieceCount);
            Assert.Equal(mine.Values.Sum(), audit.Registers.AscendingMills);
            // I1: AR + DR = value downloaded - value withdrawn.
            Assert.Equal(audit.TotalDownloadedMills - audit.TotalWithdrawnMills, audit.Registers.AscendingMills + audit.Registers.DescendingMills);
            Assert.Equal(audit.PostalCheckpoint!.Sequence, audit.ModuleMemory[^1].Sequence);
        }

        await cluster.StartAdditionalSiloAsync();
        Console.WriteLine($"storm: {acknowledged.Values.Sum(v => v.Count)} prints acknowledged, {retries} retries, 1 silo killed");
    }
}
