using VbiOrleans.Domain.Ledger;

namespace VbiOrleans.Domain.Tests.Ledger;

public sealed class EntryRulesTests
{
    private const string C = "u-123";

    [Fact]
    public void Every_builder_makes_a_balanced_entry()
    {
        foreach (var lines in new[]
                 {
                     Postings.Pvd(C, 50_000, PaymentClearing.Card), Postings.Pvd(C, 1, PaymentClearing.Ach), Postings.Print(C, 730),
                     Postings.Refund(C, 730), Postings.Withdrawal(C, 49_270), Postings.RefundPaid(C, 49_270), Postings.Credit(C, 5_000),
                     Postings.FeeRefund(C, 990),
                 })
            Assert.Equal(EntryViolation.None, EntryRules.Check(lines));
    }

    [Fact]
    public void A_pvd_debits_the_clearing_account_of_its_payment_method()
    {
        Assert.Contains(LedgerLine.Debit(ChartOfAccounts.CardClearing, 500), Postings.Pvd(C, 500, PaymentClearing.Card));
        Assert.Contains(LedgerLine.Debit(ChartOfAccounts.AchClearing, 500), Postings.Pvd(C, 500, PaymentClearing.Ach));
        Assert.Contains(LedgerLine.Credit("postage-funds-held:u-123", 500), Postings.Pvd(C, 500, PaymentClearing.Ach));
    }

    [Fact]
    public void I7_refuses_an_unbalanced_entry() =>
        Assert.Equal(EntryViolation.Unbalanced, EntryRules.Check([LedgerLine.Debit("cash", 10), LedgerLine.Credit("fee-revenue", 9)]));

    [Fact]
    public void An_entry_needs_two_postings()
    {
        Assert.Equal(EntryViolation.TooFewPostings, EntryRules.Check([]));
        Assert.Equal(EntryViolation.TooFewPostings, EntryRules.Check([LedgerLine.Debit("cash", 10)]));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 5)]
    [InlineData(-5, 0)]
    [InlineData(0, -5)]
    [InlineData(-5, 5)]
    public void Each_posting_has_exactly_one_positive_side(long debit, long credit) =>
        Assert.Equal(EntryViolation.NotOneSide, EntryRules.Check([new LedgerLine("cash", debit, credit), new LedgerLine("fee-revenue", credit, debit)]));

    [Theory]
    [InlineData("")]
    [InlineData("Cash")]
    [InlineData("postage-funds-held:")]
    [InlineData(":u-1")]
    [InlineData("fees receivable")]
    [InlineData("customer-credit:u 1")]
    public void Malformed_account_names_are_refused(string account) =>
        Assert.Equal(EntryViolation.InvalidAccount, EntryRules.Check([LedgerLine.Debit(account, 1), LedgerLine.Credit("cash", 1)]));

    [Fact]
    public void Sums_that_overflow_are_refused() =>
        Assert.Equal(EntryViolation.Overflow, EntryRules.Check([LedgerLine.Debit("cash", long.MaxValue), LedgerLine.Debit("cash", 1),
            LedgerLine.Credit("fee-revenue", long.MaxValue)]));

    [Fact]
    public void The_same_postings_in_another_order_are_the_same_movement()
    {
        var lines = Postings.Withdrawal(C, 100);
        Assert.True(EntryRules.SamePostings(lines, lines.Reverse()));
        Assert.False(EntryRules.SamePostings(lines, Postings.Withdrawal(C, 101)));
        Assert.False(EntryRules.SamePostings(Postings.Pvd(C, 100, PaymentClearing.Card), Postings.Pvd(C, 100, PaymentClearing.Ach)));
    }

    [Fact]
    public void Customer_accounts_name_their_customer()
    {
        Assert.Equal("u-123", ChartOfAccounts.CustomerOf(ChartOfAccounts.PostageFundsHeld(C)));
        Assert.Equal("u-123", ChartOfAccounts.CustomerOf(ChartOfAccounts.AchReturnsReceivable(C)));
        Assert.Null(ChartOfAccounts.CustomerOf(ChartOfAccounts.PostageAtPostalAuthority));
    }

    [Fact]
    public void L1_is_the_funds_held_minus_the_registers()
    {
        // Ledger balances are debits minus credits: a liability's is negative.
        Assert.Equal(0, L1.Check(C, fundsHeldBalance: -7_000, refundsPayableBalance: -2_000, sumOfDescendingRegisters: 7_000));
        Assert.Equal(500, L1.Check(C, -7_500, -2_000, 7_000));
        Assert.Equal(-1_000, L1.Check(C, -6_000, 0, 7_000));
    }
}
