using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace VbiOrleans.DataMatrix.Tests;

/// <summary>One payload to encode and decode, with everything needed to reproduce it.</summary>
/// <param name="Seed">Seed of <see cref="RandomPayloads.Create"/> for this payload.</param>
/// <param name="ExpectedSize">When set, the size the encoder must choose for this payload.</param>
internal sealed record SweepCase(string Name, PayloadKind Kind, int Seed, byte[] Payload, SymbolShape Shape = SymbolShape.Square, DataMatrixSize? ExpectedSize = null)
{
    public static SweepCase Random(string name, PayloadKind kind, int length, int seed, SymbolShape shape = SymbolShape.Square, DataMatrixSize? expectedSize = null) =>
        new(name, kind, seed, RandomPayloads.Create(kind, length, seed, shape), shape, expectedSize);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} ({Kind}, length {Payload.Length}, seed {Seed}, shape {Shape})");
}

/// <summary>What a sweep decoded; the test prints it.</summary>
internal sealed record SweepReport(int Payloads, IReadOnlyDictionary<PayloadKind, int> Kinds, int DistinctLengths, int MinLength, int MaxLength, IReadOnlyDictionary<DataMatrixSize, int> Sizes, int ZXingImages, int ZXingProcesses, int DmtxImages, int BothImages, int DmtxCodewordImages, TimeSpan Elapsed);

/// <summary>
/// Encodes payloads, writes each symbol as a PGM and checks it with the Debian decoders, in parallel:
/// <list type="bullet">
/// <item>ZXingReader returns exactly the payload bytes, for every size it reads (<see cref="Decoders.ZXingReads"/>),
/// many images per process;</item>
/// <item>dmtxread returns exactly the payload bytes for the sizes ZXingReader does not read (144x144) and, as a
/// second decoder, for the small sizes where it is cheap (<see cref="DmtxDecodesBytes"/>);</item>
/// <item>dmtxread's corrected codewords equal the encoder's codewords, for every image. Decoders correct errors
/// silently: 48x48, 16x48 and 144x144 symbols with 1 to 5 deliberately wrong ECC codewords still decoded to the
/// exact bytes with both tools, and only this check failed them.</item>
/// </list>
/// Images are written at 3 pixels per module: dmtxread 0.7.6 misses some 72x72 and larger symbols at 2.
/// Images of failing payloads are kept and named in the failure message.
/// </summary>
internal static class DecodeSweep
{
    private const int Scale = 3;
    private const int ZXingBatch = 48;
    private const int DmtxMilliseconds = 20_000;

    private static readonly int Workers = Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>
    /// dmtxread decodes the bytes of 144x144 (ZXingReader cannot) and of every size up to 52x52, where it takes
    /// 8-11 ms an image; 64x64 and larger take 11-40 ms and make up most of the sweep, so there ZXingReader alone
    /// decodes the bytes (dmtxread still checks their codewords).
    /// </summary>
    private static bool DmtxDecodesBytes(DataMatrixSize size) => !Decoders.ZXingReads(size) || size.Rows * size.Columns <= 52 * 52;

    private sealed record Encoded(SweepCase Case, DataMatrixSymbol Symbol, string Image);

    public static SweepReport Run(IReadOnlyList<SweepCase> cases, ITestOutputHelper output, string title)
    {
        Decoders.Require(Decoders.ZXing);
        Decoders.Require(Decoders.Dmtx);
        var clock = Stopwatch.StartNew();
        var failures = new Failures();

        var encoded = new ConcurrentBag<Encoded>();
        Parallel.ForEach(cases, new ParallelOptions { MaxDegreeOfParallelism = Workers }, c =>
        {
            DataMatrixSymbol symbol;
            try
            {
                symbol = DataMatrixEncoder.Encode(c.Payload, c.Shape);
            }
            catch (ArgumentException e)
            {
                failures.Add(c, $"encoder threw: {e.Message}");
                return;
            }

            if (c.ExpectedSize is not null && symbol.Size != c.ExpectedSize)
            {
                failures.Add(c, $"encoder chose {symbol.Size}, expected {c.ExpectedSize} ({DataMatrixEncoder.EncodeData(c.Payload).Length} data codewords)");
                return;
            }

            encoded.Add(new Encoded(c, symbol, Decoders.SaveImage(symbol, Scale)));
        });

        // Largest symbols first so the slow dmtxread runs do not end up alone at the tail.
        var all = encoded.OrderByDescending(e => e.Symbol.Rows * e.Symbol.Columns).ToList();
        var zxing = all.Where(e => Decoders.ZXingReads(e.Symbol.Size)).ToList();
        var dmtxBytes = all.Where(e => DmtxDecodesBytes(e.Symbol.Size)).ToList();
        var work = new List<Action>();
        work.AddRange(dmtxBytes.Select(e => (Action)(() => CheckDmtxBytes(e, failures))));
        work.AddRange(all.Select(e => (Action)(() => CheckDmtxCodewords(e, failures))));
        work.AddRange(zxing.Chunk(ZXingBatch).Select(batch => (Action)(() => CheckZXing(batch, failures))));
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = Workers }, w => w());

        foreach (var e in all.Where(e => !failures.Has(e.Case)))
        {
            File.Delete(e.Image);
        }

        var report = new SweepReport(
            cases.Count,
            cases.GroupBy(c => c.Kind).ToDictionary(g => g.Key, g => g.Count()),
            cases.Select(c => c.Payload.Length).Distinct().Count(),
            cases.Min(c => c.Payload.Length),
            cases.Max(c => c.Payload.Length),
            all.GroupBy(e => e.Symbol.Size).ToDictionary(g => g.Key, g => g.Count()),
            zxing.Count,
            (zxing.Count + ZXingBatch - 1) / ZXingBatch,
            dmtxBytes.Count,
            dmtxBytes.Count(e => Decoders.ZXingReads(e.Symbol.Size)),
            all.Count,
            clock.Elapsed);
        Print(output, title, report);

        Assert.True(
            failures.IsEmpty,
            $"{title}: {failures.Count} of {cases.Count} payloads failed:\n" + failures.Describe(20));
        return report;
    }

    /// <summary>Every check that failed, per payload.</summary>
    private sealed class Failures
    {
        private readonly ConcurrentDictionary<SweepCase, ConcurrentQueue<string>> _byCase = new();

        public bool IsEmpty => _byCase.IsEmpty;

        public int Count => _byCase.Count;

        public void Add(SweepCase c, string failure) => _byCase.GetOrAdd(c, _ => new()).Enqueue(failure);

        public bool Has(SweepCase c) => _byCase.ContainsKey(c);

        public string Describe(int max) =>
            string.Join("\n", _byCase.OrderBy(f => f.Key.Payload.Length).Take(max).Select(f => $"{f.Key}: {string.Join("; ", f.Value)}"));
    }

    private static void CheckZXing(Encoded[] batch, Failures failures)
    {
        var results = Decoders.ZXingDecodeMany(batch.Select(e => e.Image).ToList());
        foreach (var e in batch)
        {
            if (!results.TryGetValue(e.Image, out var found))
            {
                failures.Add(e.Case, $"{e.Symbol.Size}: ZXingReader gave no result for {e.Image}");
            }
            else if (found.Count != 1)
            {
                failures.Add(e.Case, $"{e.Symbol.Size}: ZXingReader found {found.Count} Data Matrix symbols in {e.Image}");
            }
            else
            {
                CompareBytes(e, Decoders.ZXing, found[0], failures);
            }
        }
    }

    private static void CheckDmtxBytes(Encoded e, Failures failures)
    {
        var decoded = Decoders.DmtxDecode(e.Image, DmtxMilliseconds);
        if (decoded is null)
        {
            failures.Add(e.Case, $"{e.Symbol.Size}: dmtxread found no Data Matrix in {e.Image}");
        }
        else
        {
            CompareBytes(e, Decoders.Dmtx, decoded, failures);
        }
    }

    private static void CheckDmtxCodewords(Encoded e, Failures failures)
    {
        var codewords = Decoders.DmtxCodewords(e.Image, DmtxMilliseconds);
        var expected = e.Symbol.Codewords;
        if (codewords is null)
        {
            failures.Add(e.Case, $"{e.Symbol.Size}: dmtxread -c found no Data Matrix in {e.Image}");
        }
        else if (!expected.SequenceEqual(codewords))
        {
            int at = FirstDifference(expected, codewords);
            failures.Add(e.Case, $"{e.Symbol.Size}: dmtxread's corrected codewords differ from the encoder's from codeword {at} on ({codewords.Length} read, {expected.Length} written, the first {e.Symbol.Size.DataCodewords} data): Reed-Solomon had to repair the symbol, image {e.Image}");
        }
    }

    private static void CompareBytes(Encoded e, string decoder, byte[] decoded, Failures failures)
    {
        if (!decoded.AsSpan().SequenceEqual(e.Case.Payload))
        {
            int at = FirstDifference(e.Case.Payload, decoded);
            failures.Add(e.Case, $"{e.Symbol.Size}: {decoder} decoded {decoded.Length} bytes, first difference at byte {at} (expected {Hex(e.Case.Payload, at)}, got {Hex(decoded, at)}), image {e.Image}");
        }
    }

    private static int FirstDifference(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) => expected.CommonPrefixLength(actual);

    private static string Hex(byte[] bytes, int at) =>
        at >= bytes.Length ? "end" : Convert.ToHexString(bytes, at, Math.Min(8, bytes.Length - at)) + "...";

    private static void Print(ITestOutputHelper output, string title, SweepReport r)
    {
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{title}: {r.Payloads} payloads, {r.DistinctLengths} distinct lengths {r.MinLength}..{r.MaxLength}, {r.Sizes.Count} sizes decoded in {r.Elapsed.TotalSeconds:F1} s"));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  bytes: ZXingReader {r.ZXingImages} images in {r.ZXingProcesses} processes, dmtxread {r.DmtxImages} images ({r.BothImages} read by both); codewords: dmtxread {r.DmtxCodewordImages} images"));
        output.WriteLine("  payloads per kind: " + string.Join(", ", r.Kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        output.WriteLine("  payloads per size: " + string.Join(", ", DataMatrixSize.All.Where(r.Sizes.ContainsKey).Select(s => $"{s} {r.Sizes[s]}")));
    }
}
