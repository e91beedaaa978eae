using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Admin;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.TransactionLog.Segments;
using VbiOrleans.Testing;
using Xunit.Abstractions;

namespace VbiOrleans.Host.Tests.Recovery;

/// <summary>
/// The archive a real host shipped (Local profile: the folder Vbi:DataDirectory/archive), changed the ways bit rot or a
/// careless or hostile hand would change it; <c>vbi-admin verify-log</c> must refuse it (exit 5) and name what changed.
/// Each change is made on a fresh copy of the shipped archive.
/// </summary>
[Collection(RecoveryCollection.Name)]
public sealed class ArchiveTamperTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vbi-tamper-" + Guid.NewGuid().ToString("N")[..8]);
    private string ShippedArchive => Path.Combine(_root, "data", "archive");

    public async Task InitializeAsync()
    {
        var environment = HostEnvironment.Local(Path.Combine(_root, "data"));
        environment["Vbi__Cluster__ClusterId"] = environment["Vbi__Cluster__ServiceId"] = "vbi-tamper-test";
        await using var host = HostProcess.Start(environment);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        var gateway = int.Parse(environment["Vbi__Cluster__GatewayPort"]!, CultureInfo.InvariantCulture);
        builder.UseOrleansClient(c => c.UseLocalhostClustering(gateway, "vbi-tamper-test", "vbi-tamper-test"));
        using var client = builder.Build();
        await client.StartAsync();
        var workload = new MeterWorkload(client.Services.GetRequiredService<IClusterClient>, "tamper", seed: 6);

        // Two rounds, each shipped: the archive holds several segments and checkpoints.
        using var http = OperatorHttp.Client(host.BaseAddress);
        for (var round = 0; round < 2; round++)
        {
            await workload.AddOperationalMetersAsync(6, concurrency: 6);
            await workload.RunMixedAsync(60, concurrency: 6);
            using var shipped = await http.PostAsync("/v1/operator/log/ship", null);
            var status = await shipped.JsonAsync();
            Assert.True(shipped.IsSuccessStatusCode && status.GetProperty("shipped").GetInt64() == status.GetProperty("size").GetInt64(), status.ToString());
        }
        await client.StopAsync();
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Changing_one_archived_entry_makes_verify_log_name_it()
    {
        var segmentNames = Directory.GetFiles(Path.Combine(ShippedArchive, "log", "segments"), "*.vbilog").Order(StringComparer.Ordinal).ToList();
        var checkpointNames = Directory.GetFiles(Path.Combine(ShippedArchive, "log", "checkpoints"), "*.note").Order(StringComparer.Ordinal).ToList();
        Assert.True(segmentNames.Count >= 2 && checkpointNames.Count >= 2, $"{segmentNames.Count} segments, {checkpointNames.Count} checkpoints shipped");

        var (exit, intact) = await VerifyAsync(Copy("intact"));
        output.WriteLine($"intact archive: exit {exit}: {intact}");
        Assert.True(exit == AdminExitCodes.Ok, intact);
        var entries = (long)JsonDocument.Parse(intact).RootElement.GetProperty("entriesChecked").GetInt64();

        var seed = Environment.TickCount;
        var random = new Random(seed);

        // One byte of one entry, anywhere in it: the entry is named, proven by the checkpoint over the recorded hashes.
        var flipped = Copy("flipped");
        var segment = random.Next(segmentNames.Count);
        var path = Path.Combine(flipped, "log", "segments", Path.GetFileName(segmentNames[segment]));
        var bytes = await File.ReadAllBytesAsync(path);
        var records = Records(bytes);
        var (entry, offset, length) = records[random.Next(records.Count)];
        var at = offset + random.Next(length);
        bytes[at] ^= (byte)(1 << random.Next(8));
        await File.WriteAllBytesAsync(path, bytes);
        (exit, var named) = await VerifyAsync(flipped);
        output.WriteLine($"entry {entry} of {entries} (segment {segment}, byte {at - offset} of {length}, seed {seed}) flipped: exit {exit}: {named}");
        Assert.Equal(AdminExitCodes.LogTampered, exit);
        var result = JsonDocument.Parse(named).RootElement;
        Assert.Equal(entry, result.GetProperty("firstBadEntry").GetInt64());
        Assert.True(result.GetProperty("firstBadEntryProven").GetBoolean(), named);
        Assert.Equal("EntryModified", result.GetProperty("failure").GetString());
        var text = await VerifyTextAsync(flipped);
        Assert.Matches($@"^first bad entry: {entry} \(EntryModified\): entry {entry} was altered", text.Stdout);

        // A checkpoint without its signature line: refused, and the checkpoint is named.
        var unsigned = Copy("unsigned");
        var checkpoint = random.Next(checkpointNames.Count);
        var note = Path.Combine(unsigned, "log", "checkpoints", Path.GetFileName(checkpointNames[checkpoint]));
        var lines = (await File.ReadAllTextAsync(note, Encoding.UTF8)).Split('\n');
        Assert.Single(lines, l => l.StartsWith("\u2014 ", StringComparison.Ordinal));
        await File.WriteAllTextAsync(note, string.Join('\n', lines.Where(l => !l.StartsWith("\u2014 ", StringComparison.Ordinal))), new UTF8Encoding(false));
        text = await VerifyTextAsync(unsigned);
        output.WriteLine($"checkpoint {checkpoint} of {checkpointNames.Count} without its signature: exit {text.Exit}: {text.Stdout.Trim()}");
        Assert.Equal(AdminExitCodes.LogTampered, text.Exit);
        Assert.Matches($@"^CheckpointMalformed: checkpoint {checkpoint}: the note has no signature lines", text.Stdout);

        // A segment cut in the middle of one of its entries: that entry is the first one named.
        var cut = Copy("cut");
        segment = random.Next(segmentNames.Count);
        path = Path.Combine(cut, "log", "segments", Path.GetFileName(segmentNames[segment]));
        bytes = await File.ReadAllBytesAsync(path);
        records = Records(bytes);
        (entry, offset, length) = records[random.Next(records.Count)];
        await File.WriteAllBytesAsync(path, bytes[..(offset + length / 2)]);
        (exit, named) = await VerifyAsync(cut);
        output.WriteLine($"segment {segment} cut inside entry {entry}: exit {exit}: {named}");
        Assert.Equal(AdminExitCodes.LogTampered, exit);
        result = JsonDocument.Parse(named).RootElement;
        Assert.Equal(entry, result.GetProperty("firstBadEntry").GetInt64());
        Assert.Equal("SegmentMalformed", result.GetProperty("failure").GetString());
        Assert.Matches($@"^first bad entry: {entry} ", (await VerifyTextAsync(cut)).Stdout);
    }

    /// <summary>Each record of a segment file (docs/transaction-log.md): its entry's index, the entry's offset and length.</summary>
    private static List<(long Entry, int Offset, int Length)> Records(byte[] segment)
    {
        Assert.True(segment.AsSpan(0, 8).SequenceEqual(LogSegment.Magic));
        var start = BinaryPrimitives.ReadInt64BigEndian(segment.AsSpan(8));
        var count = BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(16));
        var records = new List<(long, int, int)>();
        var at = LogSegment.HeaderSize;
        for (var i = 0; i < count; i++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(segment.AsSpan(at));
            records.Add((start + i, at + 4, length));
            at += 4 + length + 32;
        }
        Assert.Equal(segment.Length - LogSegment.TrailerSize, at);
        return records;
    }

    private string Copy(string name)
    {
        var target = Path.Combine(_root, name);
        foreach (var file in Directory.GetFiles(ShippedArchive, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(ShippedArchive, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        return target;
    }

    private static async Task<(int Exit, string Json)> VerifyAsync(string archive)
    {
        var (exit, stdout, stderr) = await RecoveryCluster.AdminAsync("verify-log", "--archive", archive, "--json");
        Assert.True(stdout.Length > 0, $"verify-log printed nothing (exit {exit}): {stderr}");
        return (exit, stdout);
    }

    private static async Task<(int Exit, string Stdout)> VerifyTextAsync(string archive)
    {
        var (exit, stdout, _) = await RecoveryCluster.AdminAsync("verify-log", "--archive", archive);
        return (exit, stdout);
    }
}
