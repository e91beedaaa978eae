using CsCheck;
using VbiOrleans.Domain.Ledger;

namespace VbiOrleans.Domain.Tests.Ledger;

/// <summary>
/// I7 and L1 over random sequences of meter transactions and refund payments: the ledger, fed the postings of each
/// event (delivered twice when the sample says so, as the log feed may), stays balanced, and every customer's postage
/// funds held equal the DR of a model of their meters plus their unpaid refunds.
/// </summary>
public sealed class LedgerPropertyTests
{
    private enum Op { Pvd, Print, Refund, Withdraw, PayRefund, Credit }

    private static readonly Gen<(Op Op, int Meter, long Amount, bool Redeliver, bool Ach)> Event =
        Gen.Select(Gen.Enum<Op>(), Gen.Int[0, 5], Gen.Long[1, 3_000_000], Gen.Int[0, 9], Gen.Bool)
            .Select((op, meter, amount, redeliver, ach) => (op, meter, amount, redeliver == 0, ach));

    private sealed class Meter(string customer)
    {
        public string Customer { get; } = customer;
        public long Sequence;
        public long Ar;
        public long Dr;
        public readonly List<long> Printed = [];
    }

    [Fact]
    public void Any_sequence_of_events_keeps_the_ledger_balanced_and_L1_at_zero() =>
        Event.Array[1, 120].Sample(events =>
        {
            // Six meters of three customers: two meters each.
            var meters = Enumerable.Range(0, 6).Select(i => new Meter($"u-{i / 2}")).ToArray();
            var posted = new Dictionary<string, IReadOnlyList<LedgerLine>>();
            var balances = new Dictionary<string, long>();
            long pvds = 0, withdrawn = 0;
            var refundPayments = 0;

            void Post(string id, IReadOnlyList<LedgerLine> lines, bool redeliver)
            {
                for (var delivery = 0; delivery < (redeliver ? 2 : 1); delivery++)
                {
                    Assert.Equal(EntryViolation.None, EntryRules.Check(lines));
                    if (posted.TryGetValue(id, out var earlier))
                    {
                        Assert.True(EntryRules.SamePostings(earlier, lines), $"entry {id} posted again with other postings");
                        continue; // idempotent by id: the second delivery posts nothing
                    }
                    posted[id] = lines;
                    foreach (var l in lines) balances[l.Account] = balances.GetValueOrDefault(l.Account) + l.DebitMills - l.CreditMills;
                }
            }

            foreach (var (op, index, amount, redeliver, ach) in events)
            {
                var m = meters[index];
                var id = $"m-{index}";
                switch (op)
                {
                    case Op.Pvd:
                        m.Sequence++;
                        m.Dr += amount;
                        pvds += amount;
                        Post(Postings.PvdId(id, m.Sequence), Postings.Pvd(m.Customer, amount, ach ? PaymentClearing.Ach : PaymentClearing.Card), redeliver);
                        break;
                    case Op.Print:
                        var postage = Math.Min(amount % 20_000 + 1, m.Dr);
                        if (postage <= 0) continue;
                        m.Sequence++;
                        m.Dr -= postage;
                        m.Ar += postage;
                        m.Printed.Add(postage);
                        Post(Postings.PrintId(id, m.Sequence), Postings.Print(m.Customer, postage), redeliver);
                        break;
                    case Op.Refund:
                        if (m.Printed.Count == 0) continue;
                        var refunded = m.Printed[(int)(amount % m.Printed.Count)];
                        m.Printed.Remove(refunded);
                        m.Sequence++;
                        m.Ar -= refunded;
                        m.Dr += refunded;
                        Post(Postings.RefundId(id, m.Sequence), Postings.Refund(m.Customer, refunded), redeliver);
                        break;
                    case Op.Withdraw:
                        if (m.Dr == 0) continue;
                        m.Sequence++;
                        withdrawn += m.Dr;
                        Post(Postings.WithdrawalId(id, m.Sequence), Postings.Withdrawal(m.Customer, m.Dr), redeliver);
                        m.Dr = 0;
                        break;
                    case Op.PayRefund:
                        var owed = -balances.GetValueOrDefault(ChartOfAccounts.RefundsPayable(m.Customer));
                        if (owed == 0) continue;
                        var paid = Math.Min(owed, amount);
                        Post(Postings.RefundPaidId($"r{refundPayments++}"), Postings.RefundPaid(m.Customer, paid), redeliver);
                        break;
                    case Op.Credit:
                        Post(Postings.CreditId($"c{amount}-{index}"), Postings.Credit(m.Customer, amount), redeliver);
                        break;
                }

                // I7: debits equal credits over the whole ledger, after every event.
                Assert.Equal(0, balances.Values.Sum());
                // L1 for every customer.
                foreach (var customer in meters.Select(x => x.Customer).Distinct())
                {
                    var dr = meters.Where(x => x.Customer == customer).Sum(x => x.Dr);
                    var difference = L1.Check(customer, balances.GetValueOrDefault(ChartOfAccounts.PostageFundsHeld(customer)),
                        balances.GetValueOrDefault(ChartOfAccounts.RefundsPayable(customer)), dr);
                    Assert.True(difference == 0, $"L1 broken for {customer}: difference {difference}");
                }
                // What the postal authority holds for customers is every meter's DR; what is owed to it is PVDs less withdrawals.
                Assert.Equal(meters.Sum(x => x.Dr), balances.GetValueOrDefault(ChartOfAccounts.PostageAtPostalAuthority));
                Assert.Equal(pvds - withdrawn, -balances.GetValueOrDefault(ChartOfAccounts.RemittancePayable));
            }
        }, iter: 300);
}
