using CsCheck;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>
/// Random command sequences against real meters on the cluster, with retries of earlier idempotency keys and
/// refunds mixed in. After every step: I1 conservation, I2 monotonic AR and sequence (except refunds), I4 a retried
/// key returns the first result and charges nothing, and the registers equal a model kept by the test.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class MeterPropertyTests(PostgresClusterFixture fixture)
{
    private enum Op { Pvd, Print, Refund, Retry, ReuseKey, Withdraw }

    private static readonly Gen<(Op, long, int)> Step = Gen.Select(
        Gen.Frequency((4, Gen.Const(Op.Pvd)), (8, Gen.Const(Op.Print)), (2, Gen.Const(Op.Refund)), (4, Gen.Const(Op.Retry)),
            (1, Gen.Const(Op.ReuseKey)), (1, Gen.Const(Op.Withdraw))),
        Gen.OneOf(Gen.Long[1, 3_000], Gen.Long[-100, 1_200_000]),
        Gen.Int[0, 10_000]);

    [Fact]
    public async Task Invariants_hold_for_random_sequences_with_retries_and_refunds()
    {
        // Few iterations: each step is a real command through PostgreSQL; failures print CsCheck's seed to replay.
        await Step.Array[10, 30].SampleAsync(RunAsync, iter: 12, threads: 1);
    }

    private async Task RunAsync((Op Op, long Amount, int Pick)[] steps)
    {
        var s = await new MeterScenario(fixture.Cluster.Client).OperationalAsync();
        var history = new List<(string Key, MeterCommand Command, MeterResult Result)>();
        var issued = new List<(string Id, long Postage, bool Refunded)>();
        long ar = 0, dr = 0, downloaded = 0, withdrawn = 0, pieces = 0, sequence = (await s.Meter.Audit()).Registers!.Sequence;
        var withdrawnState = false;

        foreach (var (op, amount, pick) in steps)
        {
            switch (op)
            {
                case Op.Retry when history.Count > 0:
                {
                    var (key, command, first) = history[pick % history.Count];
                    var again = await s.Meter.Execute(key, command);
                    Assert.Equal(first.Error, again.Error);
                    Assert.Equal(first.Registers, again.Registers);
                    Assert.Equal(first.Indicium?.IndiciumId, again.Indicium?.IndiciumId);
                    break;
                }
                case Op.ReuseKey when history.Count > 0:
                {
                    var reused = await s.Meter.Execute(history[pick % history.Count].Key, new PostageValueDownloadCommand(amount + 7, "other"));
                    Assert.Equal(ErrorCode.IdempotencyKeyReused, reused.Error);
                    break;
                }
                case Op.Refund when issued.Any(i => !i.Refunded):
                {
                    var open = issued.Where(i => !i.Refunded).ToList();
                    var target = open[pick % open.Count];
                    var key = Key();
                    var command = new RefundCommand(target.Id);
                    var result = await s.Meter.Execute(key, command);
                    if (result.IsSuccess)
                    {
                        ar -= target.Postage; dr += target.Postage; sequence++;
                        issued[issued.IndexOf(target)] = target with { Refunded = true };
                        history.Add((key, command, result));
                    }
                    else Assert.True(withdrawnState, $"refund refused: {result.Error}");
                    break;
                }
                default:
                {
                    var key = Key();
                    MeterCommand command = op switch
                    {
                        Op.Pvd => new PostageValueDownloadCommand(amount, "pay-" + key),
                        Op.Withdraw => new WithdrawCommand(),
                        _ => new PrintCommand(new PrintRequest(amount, "94105", "FCM")),
                    };
                    var result = await s.Meter.Execute(key, command);
                    if (result.IsSuccess)
                    {
                        sequence++;
                        switch (command)
                        {
                            case PostageValueDownloadCommand: dr += amount; downloaded += amount; break;
                            case PrintCommand: ar += amount; dr -= amount; pieces++; issued.Add((result.Indicium!.IndiciumId, amount, false)); break;
                            case WithdrawCommand: withdrawn += dr; dr = 0; withdrawnState = true; break;
                        }
                        history.Add((key, command, result));
                    }
                    break;
                }
            }

            var audit = await s.Meter.Audit();
            var r = audit.Registers!;
            Assert.Equal(ar, r.AscendingMills);
            Assert.Equal(dr, r.DescendingMills);
            Assert.Equal(pieces, r.PieceCount);
            Assert.Equal(sequence, r.Sequence);
            Assert.Equal(audit.TotalDownloadedMills - audit.TotalWithdrawnMills, r.AscendingMills + r.DescendingMills);   // I1
            Assert.Equal(downloaded, audit.TotalDownloadedMills);
            Assert.Equal(withdrawn, audit.TotalWithdrawnMills);
            Assert.Equal(audit.PostalCheckpoint!.Sequence, audit.ModuleMemory[^1].Sequence);
        }
    }
}
