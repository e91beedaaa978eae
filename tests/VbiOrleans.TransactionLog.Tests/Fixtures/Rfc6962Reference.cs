using System.Security.Cryptography;

namespace VbiOrleans.TransactionLog.Tests.Fixtures;

/// <summary>
/// RFC 6962 section 2.1 written as the RFC writes it (recursion over lists), to check the library's iterative and
/// incremental code against. Slow on purpose: no cleverness to share a bug with.
/// </summary>
public static class Rfc6962Reference
{
    public static byte[] Mth(IReadOnlyList<byte[]> entries)
    {
        if (entries.Count == 0) return SHA256.HashData(Array.Empty<byte>());
        if (entries.Count == 1) return SHA256.HashData([0x00, .. entries[0]]);
        var k = K(entries.Count);
        return SHA256.HashData([0x01, .. Mth(entries.Take(k).ToList()), .. Mth(entries.Skip(k).ToList())]);
    }

    public static List<byte[]> Path(int m, IReadOnlyList<byte[]> entries)
    {
        if (entries.Count == 1) return [];
        var k = K(entries.Count);
        return m < k
            ? [.. Path(m, entries.Take(k).ToList()), Mth(entries.Skip(k).ToList())]
            : [.. Path(m - k, entries.Skip(k).ToList()), Mth(entries.Take(k).ToList())];
    }

    public static List<byte[]> Proof(int m, IReadOnlyList<byte[]> entries) => SubProof(m, entries, true);

    private static List<byte[]> SubProof(int m, IReadOnlyList<byte[]> entries, bool b)
    {
        var n = entries.Count;
        if (m == n) return b ? [] : [Mth(entries)];
        var k = K(n);
        return m <= k
            ? [.. SubProof(m, entries.Take(k).ToList(), b), Mth(entries.Skip(k).ToList())]
            : [.. SubProof(m - k, entries.Skip(k).ToList(), false), Mth(entries.Take(k).ToList())];
    }

    private static int K(int n)
    {
        var k = 1;
        while (k * 2 < n) k *= 2;
        return k;
    }
}
