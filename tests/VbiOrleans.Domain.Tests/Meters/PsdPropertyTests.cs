using CsCheck;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Tests.Meters;

/// <summary>I1 conservation and I2 monotonicity over random command sequences.</summary>
public sealed class PsdPropertyTests
{
    private enum Op { Pvd, Print, Refund, Withdraw, Inhibit, Resume }

    private static readonly Gen<(Op Op, long Amount, int Pick)> Command =
        Gen.Select(Gen.Enum<Op>(), Gen.OneOf(Gen.Long[-1000, 2_000_000], Gen.Long[1, 5_000]), Gen.Int[0, 1000]);

    [Fact]
    public void Conservation_and_monotonicity_hold_for_any_command_sequence() =>
        Command.Array[1, 80].Sample(commands =>
        {
            var p = PackageFactory.Operational();
            var printed = new List<(Mills Postage, bool Refunded)>();
            var now = PackageFactory.T0;
            foreach (var (op, amount, pick) in commands)
            {
                now = now.AddMinutes(5);
                var before = p;
                Result<PsdTransition> result;
                var refundIndex = -1;
                switch (op)
                {
                    case Op.Pvd: result = Psd.PostageValueDownload(p, new Mills(amount), MeterLimits.Default, now); break;
                    case Op.Print: result = Psd.Print(p, new Mills(amount), MeterLimits.Default, now); break;
                    case Op.Refund:
                        var open = printed.Select((x, i) => (x, i)).Where(t => !t.x.Refunded).ToList();
                        if (open.Count == 0) continue;
                        refundIndex = open[pick % open.Count].i;
                        result = Psd.Refund(p, printed[refundIndex].Postage, now.AddMinutes(-1), MeterLimits.Default, now);
                        break;
                    case Op.Withdraw: if (pick % 20 != 0) continue; result = Psd.Withdraw(p, now); break;
                    case Op.Inhibit: if (pick % 10 != 0) continue; result = Psd.Inhibit(p, "test", now); break;
                    default: result = Psd.Resume(p, now); break;
                }
                if (!result.IsSuccess) continue;
                p = result.Value.Next;
                if (op == Op.Print) printed.Add((result.Value.Amount, false));
                if (refundIndex >= 0) printed[refundIndex] = (printed[refundIndex].Postage, true);

                Assert.True(Psd.CheckConservation(p), $"I1 conservation broken after {op}: {p.Registers} {p.Totals}");
                Assert.True(p.Sequence > before.Sequence || (op == Op.Inhibit && before.State == MeterState.Inhibited),
                    $"I2: the sequence did not grow on {op}");
                if (op != Op.Refund) Assert.True(p.Registers.Ascending >= before.Registers.Ascending, $"I2: AR went down on {op}");
                Assert.Equal(printed.Count, p.Registers.PieceCount);
            }
        });

    [Fact]
    public void Commands_in_the_wrong_state_fail_with_named_errors()
    {
        var p = PackageFactory.Operational();
        var provisioned = p with { State = MeterState.Provisioned };
        Assert.Equal(ErrorCode.WrongMeterState, Psd.Print(provisioned, new Mills(1), MeterLimits.Default, PackageFactory.T0).Error!.Code);
        var inhibited = Psd.Inhibit(p, "checkpoint mismatch", PackageFactory.T0).Value.Next;
        Assert.Equal(ErrorCode.MeterInhibited, Psd.PostageValueDownload(inhibited, new Mills(1), MeterLimits.Default, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.MeterInhibited, Psd.Withdraw(inhibited, PackageFactory.T0).Error!.Code);
        var withdrawn = Psd.Withdraw(p, PackageFactory.T0).Value.Next;
        Assert.Equal(ErrorCode.MeterWithdrawn, Psd.Print(withdrawn, new Mills(1), MeterLimits.Default, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.WrongMeterState, Psd.Resume(withdrawn, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.WrongMeterState, Psd.License(p, "10001", PackageFactory.T0).Error!.Code);
    }

    [Fact]
    public void Limits_are_enforced_with_named_errors()
    {
        var p = PackageFactory.Operational();
        var limits = MeterLimits.Default;
        Assert.Equal(ErrorCode.InsufficientFunds, Psd.Print(p, new Mills(1), limits, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.InvalidAmount, Psd.PostageValueDownload(p, Mills.Zero, limits, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.PvdLimitExceeded, Psd.PostageValueDownload(p, limits.MaxPostageValueDownload + new Mills(1), limits, PackageFactory.T0).Error!.Code);
        for (var i = 0; i < 5; i++) p = Psd.PostageValueDownload(p, limits.MaxPostageValueDownload, limits, PackageFactory.T0).Value.Next;
        Assert.Equal(ErrorCode.DescendingRegisterCeilingExceeded, Psd.PostageValueDownload(p, new Mills(1), limits, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.PostageLimitExceeded, Psd.Print(p, limits.MaxPostagePerPiece + new Mills(1), limits, PackageFactory.T0).Error!.Code);
        Assert.Equal(ErrorCode.RefundWindowExpired,
            Psd.Refund(p, new Mills(1), PackageFactory.T0, limits, PackageFactory.T0 + limits.RefundWindow + TimeSpan.FromSeconds(1)).Error!.Code);
    }

    [Fact]
    public void A_meter_whose_key_or_certificate_expired_prints_nothing_but_can_still_withdraw()
    {
        var p = Psd.PostageValueDownload(PackageFactory.Operational(), new Mills(10_000), MeterLimits.Default, PackageFactory.T0).Value.Next;
        var later = p.KeyExpiry.CertificateExpires.AddSeconds(1);
        Assert.Equal(ErrorCode.IndiciumKeyExpired, Psd.Print(p, new Mills(100), MeterLimits.Default, later).Error!.Code);
        Assert.True(Psd.Print(p, new Mills(100), MeterLimits.Default, later.AddDays(-2)).IsSuccess);
        Assert.Equal(new Mills(10_000), Psd.Withdraw(p, later).Value.Amount);
    }

    [Fact]
    public void Withdrawal_pays_out_the_remaining_descending_register()
    {
        var p = Psd.PostageValueDownload(PackageFactory.Operational(), new Mills(10_000), MeterLimits.Default, PackageFactory.T0).Value.Next;
        p = Psd.Print(p, new Mills(3_300), MeterLimits.Default, PackageFactory.T0).Value.Next;
        var t = Psd.Withdraw(p, PackageFactory.T0).Value;
        Assert.Equal(new Mills(6_700), t.Amount);
        Assert.Equal(Mills.Zero, t.Next.Registers.Descending);
        Assert.Equal(MeterState.Withdrawn, t.Next.State);
        Assert.True(Psd.CheckConservation(t.Next));
    }
}
