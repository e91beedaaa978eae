namespace VbiOrleans.Payments;

/// <summary>Mills (our money) to and from cents (a card network's): a card charge is in whole cents.</summary>
public static class PaymentAmounts
{
    public const long MillsPerCent = 10;

    /// <summary>The cents of an amount in mills, or null when it is not a positive whole number of cents.</summary>
    public static long? ToCents(long mills) => mills > 0 && mills % MillsPerCent == 0 ? mills / MillsPerCent : null;

    public static long ToMills(long cents) => checked(cents * MillsPerCent);
}
