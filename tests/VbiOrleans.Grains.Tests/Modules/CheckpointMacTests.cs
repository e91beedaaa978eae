using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Tests.Modules;

public sealed class CheckpointMacTests
{
    [Fact]
    public async Task A_checkpoint_mac_is_hmac_sha256_under_the_meters_key_from_the_hsm_and_the_same_on_every_call()
    {
        using var hsm = new InMemoryHsm();
        var crypto = new ModuleCrypto(hsm, NullLogger<ModuleCrypto>.Instance);
        await crypto.PrepareKeysAsync();
        var macKey = (await hsm.FindKeyAsync(ModuleCrypto.CheckpointMacKeyLabel))!;
        var meterKey = await hsm.MacAsync(macKey, Encoding.UTF8.GetBytes("vbi-checkpoint-key|m-00000001"));

        // Each input alone, then again in another order: the kept HMAC context starts afresh for every checkpoint.
        var inputs = Enumerable.Range(0, 20).Select(i => RandomNumberGenerator.GetBytes(10 + i * 7)).ToList();
        foreach (var input in inputs.Concat(Enumerable.Reverse(inputs)))
        {
            Assert.Equal(HMACSHA256.HashData(meterKey, input), await crypto.CheckpointMacAsync("m-00000001", input));
        }
        Assert.NotEqual(await crypto.CheckpointMacAsync("m-00000001", inputs[0]), await crypto.CheckpointMacAsync("m-00000002", inputs[0]));
    }

    [Fact]
    public async Task Macs_of_one_meter_from_many_threads_at_once_are_all_right()
    {
        using var hsm = new InMemoryHsm();
        var crypto = new ModuleCrypto(hsm, NullLogger<ModuleCrypto>.Instance);
        var input = RandomNumberGenerator.GetBytes(120);
        var expected = await crypto.CheckpointMacAsync("m-00000003", input);
        // Dedicated threads released together, so that MACs overlap even on two cores.
        using var start = new Barrier(4);
        var macs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            var all = new List<byte[]>();
            for (var i = 0; i < 50_000; i++) all.Add(crypto.CheckpointMacAsync("m-00000003", input).GetAwaiter().GetResult());
            return all;
        }, TaskCreationOptions.LongRunning)));
        Assert.All(macs.SelectMany(m => m), mac => Assert.Equal(expected, mac));
    }
}
