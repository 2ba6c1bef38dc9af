using Shoal.Core;
using Shoal.Net;
using Xunit;

namespace Shoal.Bitswap.Tests;

public sealed class LedgerEvictionOrderTests
{
    private static readonly PeerId B = SimNet.MakePeerId("b");

    private static Cid CidOf(int i) => Cid.Create(1, MulticodecCode.Raw, Multihash.Sum(MulticodecCode.Identity, BitConverter.GetBytes(i)));

    /// <summary>The full-ledger choice as the server made it before the eviction order existed: one scan of the ledger
    /// in dictionary order, a want for a block we lack before one we hold, then the lowest priority, first met wins.</summary>
    private static (Cid? Victim, bool Absent) ScanForVictim(PeerLedger ledger, Func<Cid, bool> isPresent)
    {
        Cid? victim = null;
        int victimPriority = int.MaxValue;
        bool victimAbsent = false;
        foreach (var kv in ledger.Wants)
        {
            bool absent = !isPresent(kv.Key);
            if (victim is null || (absent && !victimAbsent) || (absent == victimAbsent && kv.Value.Priority < victimPriority))
            {
                victim = kv.Key;
                victimPriority = kv.Value.Priority;
                victimAbsent = absent;
            }
        }
        return (victim, victimAbsent);
    }

    [Theory]
    [InlineData(1, 4, 64)]      // few priorities: most choices are ties, decided by dictionary order
    [InlineData(2, 1000, 64)]
    [InlineData(3, 2, 400)]
    [InlineData(4, int.MaxValue, 400)]
    public void Picks_the_same_victim_as_a_scan_of_the_whole_ledger_on_random_sequences(int seed, int priorities, int universe)
    {
        var random = new Random(seed);
        var ledger = new PeerLedger();
        var present = new HashSet<Cid>();
        Func<Cid, bool> isPresent = present.Contains;
        int checks = 0, absentVictims = 0, presentVictims = 0;
        int Priority() => priorities == int.MaxValue ? random.Next(int.MinValue, int.MaxValue) : random.Next(priorities);
        Cid Any() => CidOf(random.Next(universe));
        Cid? AnyWanted() => ledger.Wants.Count == 0 ? null : ledger.Wants.Keys.ElementAt(random.Next(ledger.Wants.Count));

        for (int op = 0; op < 30_000; op++)
        {
            int r = random.Next(1000);
            if (r < 350)
            {
                var cid = Any();
                if (!ledger.Wants.ContainsKey(cid)) ledger.AddWant(new LedgerWant(cid, WantType.Block, Priority(), false));
            }
            else if (r < 500)
            {
                ledger.RemoveWant(AnyWanted() ?? Any()); // served or cancelled
                ledger.RemoveWant(Any()); // mostly a cancel for something not wanted: no change
            }
            else if (r < 580)
            {
                if (AnyWanted() is { } cid) ledger.SetPriority(ledger.Wants[cid], Priority());
            }
            else if (r < 660)
            {
                present.Add(Any()); // a block arrives: nobody tells the order
            }
            else if (r < 740)
            {
                var cid = Any();
                if (present.Remove(cid) && ledger.Wants.TryGetValue(cid, out var want)) ledger.Eviction.MayBeAbsentAgain(want);
            }
            else if (r < 742)
            {
                ledger.Clear();
            }
            else
            {
                var (expected, expectedAbsent) = ScanForVictim(ledger, isPresent);
                var victim = ledger.Eviction.Victim(isPresent, out bool absent);
                Assert.Equal(expected, victim?.Cid);
                if (victim is null) continue;
                Assert.Equal(expectedAbsent, absent);
                checks++;
                if (absent) absentVictims++;
                else presentVictims++;
                if (random.Next(2) == 0) ledger.RemoveWant(victim.Cid); // evicted
            }
            Assert.Equal(ledger.Wants.Count, ledger.Eviction.Count);
        }
        // The sequences reach both kinds of victim, many times.
        Assert.True(absentVictims > 500 && presentVictims > 500, $"{checks} checks: {absentVictims} absent, {presentVictims} present victims");
    }

    [Fact]
    public void A_full_ledger_gives_up_a_want_for_a_block_we_lack_and_counts_a_removed_block_as_lacking_again()
    {
        // No send slots: answers for blocks we hold stay queued, so their wants stay in the ledger.
        var d = new CoreDriver(new BitswapOptions { MaxQueuedWantsPerPeer = 3, MaxConcurrentEnvelopes = 0 });
        var held = Enumerable.Range(0, 5).Select(i => Block.Compute(TestDags.RandomBytes(100, 900 + i))).ToArray();
        foreach (var b in held) d.Store.Put(b);
        var lacking = Block.Compute(TestDags.RandomBytes(100, 990));
        var late = Block.Compute(TestDags.RandomBytes(100, 991));
        d.Engine.PeerConnected(B, BitswapProtocolVersion.V120, d.Now);
        void Want(Block b, int priority) => d.Engine.MessageReceived(B, CoreDriver.Wants(WantlistEntry.Want(b.Cid, priority, WantType.Block, false)), d.Now);
        HashSet<Cid> Wants() => d.Engine.WantsOf(B).Select(w => w.Cid).ToHashSet();

        Want(held[0], 1);
        Want(late, 9);
        Want(lacking, 9);
        // "late" arrives without the engine being told; "lacking" is the only want for a block we lack.
        d.Store.Put(late);
        Want(held[1], 5);
        Assert.Equal(new HashSet<Cid> { held[0].Cid, late.Cid, held[1].Cid }, Wants());

        // Every want is for a block we hold: the lowest priority goes, if the new want ranks higher.
        Want(held[2], 0);
        Assert.DoesNotContain(held[2].Cid, Wants());
        Want(held[3], 2);
        Assert.Equal(new HashSet<Cid> { held[3].Cid, late.Cid, held[1].Cid }, Wants());

        // "late" is garbage collected: its want is for a block we lack again and goes first, priority 9 or not.
        d.Store.Remove(late.Cid);
        d.Engine.BlockRemoved(late.Cid, d.Now);
        Want(held[4], 1);
        Assert.Equal(new HashSet<Cid> { held[3].Cid, held[4].Cid, held[1].Cid }, Wants());
    }
}
