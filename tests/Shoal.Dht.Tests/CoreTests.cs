using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using Shoal.Dht.Wire;
using Shoal.Net;

namespace Shoal.Dht.Tests;

public sealed class KadKeyTests
{
    [Fact]
    public void Common_prefix_length_counts_shared_leading_bits()
    {
        var a = new byte[32];
        var b = new byte[32];
        Assert.Equal(256, KadKey.FromDigest(a).CommonPrefixLength(KadKey.FromDigest(b)));
        b[0] = 0x80;
        Assert.Equal(0, KadKey.FromDigest(a).CommonPrefixLength(KadKey.FromDigest(b)));
        b[0] = 0;
        b[9] = 0x10; // bit 72 + 3
        Assert.Equal(75, KadKey.FromDigest(a).CommonPrefixLength(KadKey.FromDigest(b)));
    }

    [Fact]
    public void Distance_ordering_matches_big_integer_xor()
    {
        var random = new Random(1);
        for (int i = 0; i < 500; i++)
        {
            var t = new byte[32]; var x = new byte[32]; var y = new byte[32];
            random.NextBytes(t); random.NextBytes(x); random.NextBytes(y);
            if (i % 3 == 0) Array.Copy(x, y, 20); // share prefixes to reach the lower words
            var bt = new System.Numerics.BigInteger(t, isUnsigned: true, isBigEndian: true);
            var dx = bt ^ new System.Numerics.BigInteger(x, isUnsigned: true, isBigEndian: true);
            var dy = bt ^ new System.Numerics.BigInteger(y, isUnsigned: true, isBigEndian: true);
            Assert.Equal(Math.Sign(dx.CompareTo(dy)), Math.Sign(KadKey.FromDigest(t).CompareDistance(KadKey.FromDigest(x), KadKey.FromDigest(y))));
        }
    }

    [Fact]
    public void Hash_is_sha256_of_the_key_bytes()
    {
        var bytes = new byte[] { 1, 2, 3 };
        var expected = SHA256.HashData(bytes);
        var actual = new byte[32];
        KadKey.Hash(bytes).CopyTo(actual);
        Assert.Equal(expected, actual);
    }
}

public sealed class RoutingTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Full_bucket_refuses_and_names_the_least_recently_seen_peer()
    {
        var random = new Random(1);
        var self = SimulatedNetwork.RandomPeerId(random);
        var table = new RoutingTable(self, T0, bucketSize: 3);
        // Bucket 0 holds peers whose first bit differs from ours: half of all random ids.
        var bucket0 = new List<PeerId>();
        while (bucket0.Count < 4)
        {
            var p = SimulatedNetwork.RandomPeerId(random);
            if (table.BucketIndexOf(KadKey.Hash(p.Bytes.Span)) == 0) bucket0.Add(p);
        }
        Assert.Equal(RoutingTableUpdate.Added, table.TryAdd(bucket0[0], T0, out _));
        Assert.Equal(RoutingTableUpdate.Added, table.TryAdd(bucket0[1], T0.AddSeconds(1), out _));
        Assert.Equal(RoutingTableUpdate.Added, table.TryAdd(bucket0[2], T0.AddSeconds(2), out _));
        table.MarkSeen(bucket0[0], T0.AddSeconds(3));
        Assert.Equal(RoutingTableUpdate.BucketFull, table.TryAdd(bucket0[3], T0.AddSeconds(4), out var candidate));
        Assert.Equal(bucket0[1], candidate);
        Assert.False(table.Contains(bucket0[3]));

        // The owner pinged the candidate, it was dead: replace it.
        Assert.True(table.Remove(candidate!));
        Assert.Equal(RoutingTableUpdate.Added, table.TryAdd(bucket0[3], T0.AddSeconds(5), out _));
        Assert.Equal(RoutingTableUpdate.Refreshed, table.TryAdd(bucket0[3], T0.AddSeconds(6), out _));
        Assert.Equal(RoutingTableUpdate.Self, table.TryAdd(self, T0, out _));
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void Nearest_peers_are_the_closest_by_xor_distance()
    {
        var random = new Random(2);
        var table = new RoutingTable(SimulatedNetwork.RandomPeerId(random), T0);
        var all = new List<PeerId>();
        for (int i = 0; i < 500; i++)
        {
            var p = SimulatedNetwork.RandomPeerId(random);
            if (table.TryAdd(p, T0, out _) == RoutingTableUpdate.Added) all.Add(p);
        }
        for (int i = 0; i < 50; i++)
        {
            var target = KadKey.Hash(BitConverter.GetBytes(i));
            var expected = all.OrderBy(p => p, Comparer<PeerId>.Create((a, b) => target.CompareDistance(KadKey.Hash(a.Bytes.Span), KadKey.Hash(b.Bytes.Span)))).Take(20);
            Assert.Equal(expected, table.NearestPeers(target, 20));
        }
        // Our own key's neighbourhood, the deepest buckets.
        Assert.Equal(20, table.NearestPeers(table.SelfKey, 20).Count);
    }

    [Fact]
    public void Stale_buckets_are_reported_until_refreshed_and_random_keys_land_in_them()
    {
        var random = new Random(3);
        var table = new RoutingTable(SimulatedNetwork.RandomPeerId(random), T0);
        for (int i = 0; i < 200; i++) table.TryAdd(SimulatedNetwork.RandomPeerId(random), T0, out _);
        Assert.Empty(table.StaleBuckets(T0.AddMinutes(5), DhtConstants.BucketRefreshInterval));
        var stale = table.StaleBuckets(T0.AddMinutes(11), DhtConstants.BucketRefreshInterval);
        Assert.Contains(0, stale);
        Assert.All(stale, cpl => Assert.InRange(cpl, 0, DhtConstants.MaxRefreshCommonPrefixLength));
        foreach (int cpl in stale)
        {
            var key = table.RandomKeyForBucket(cpl);
            Assert.Equal(cpl, table.BucketIndexOf(KadKey.Hash(key)));
            table.MarkRefreshed(KadKey.Hash(key), T0.AddMinutes(11));
        }
        Assert.Empty(table.StaleBuckets(T0.AddMinutes(12), DhtConstants.BucketRefreshInterval));
    }
}

public sealed class ProviderStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private static readonly Multiaddr[] Addr = [Multiaddr.Parse("/ip4/10.0.0.1/tcp/4001")];

    private static ContentKey Key(int i)
    {
        var k = new byte[34]; k[0] = 0x12; k[1] = 0x20;
        SHA256.HashData(BitConverter.GetBytes(i), k.AsSpan(2));
        return new ContentKey(k);
    }

    [Fact]
    public void Records_expire_after_48_hours_and_addresses_after_24()
    {
        var store = new ProviderStore();
        var peer = SimulatedNetwork.RandomPeerId(new Random(1));
        Assert.Equal(ProviderAddResult.Added, store.Add(Key(1), peer, Addr, T0));
        Assert.Equal(Addr, store.Get(Key(1), T0.AddHours(23)).Single().AddressesAt(T0.AddHours(23)));
        Assert.Empty(store.Get(Key(1), T0.AddHours(25)).Single().AddressesAt(T0.AddHours(25)));
        Assert.Single(store.Get(Key(1), T0.AddHours(47)));
        Assert.Empty(store.Get(Key(1), T0.AddHours(48)));
        Assert.Equal(1, store.RemoveExpired(T0.AddHours(48)));
        Assert.Equal(0, store.RecordCount);
        Assert.Equal(0, store.KeyCount);
    }

    [Fact]
    public void A_flooding_provider_is_capped_and_others_still_get_in()
    {
        var store = new ProviderStore(new ProviderStoreLimits { MaxRecords = 100, MaxRecordsPerProvider = 10, MaxProvidersPerKey = 3 });
        var random = new Random(2);
        var flooder = SimulatedNetwork.RandomPeerId(random);
        int accepted = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (store.Add(Key(i), flooder, Addr, T0) == ProviderAddResult.Added) accepted++;
        }
        Assert.Equal(10, accepted);
        Assert.Equal(ProviderAddResult.RejectedProviderQuota, store.Add(Key(20_000), flooder, Addr, T0));
        var honest = SimulatedNetwork.RandomPeerId(random);
        Assert.Equal(ProviderAddResult.Added, store.Add(Key(1), honest, Addr, T0));
        // Many distinct peers on one key stop at the per-key bound; the whole store at its total.
        Assert.Equal(ProviderAddResult.Added, store.Add(Key(1), SimulatedNetwork.RandomPeerId(random), Addr, T0));
        Assert.Equal(ProviderAddResult.RejectedKeyFull, store.Add(Key(1), SimulatedNetwork.RandomPeerId(random), Addr, T0));
        for (int i = 0; i < 200; i++) store.Add(Key(50_000 + i), SimulatedNetwork.RandomPeerId(random), Addr, T0);
        Assert.Equal(100, store.RecordCount);
        Assert.Equal(ProviderAddResult.RejectedStoreFull, store.Add(Key(99_999), SimulatedNetwork.RandomPeerId(random), Addr, T0));
    }

    [Fact]
    public void Local_keys_come_due_for_reprovide_after_22_hours()
    {
        var store = new ProviderStore();
        store.AddLocal(Key(1), T0);
        store.AddLocal(Key(2), T0.AddHours(5));
        Assert.Empty(store.DueForReprovide(T0.AddHours(21), DhtConstants.ReprovideInterval));
        Assert.Equal([Key(1)], store.DueForReprovide(T0.AddHours(23), DhtConstants.ReprovideInterval));
        store.AddLocal(Key(1), T0.AddHours(23));
        Assert.Equal([Key(2)], store.DueForReprovide(T0.AddHours(28), DhtConstants.ReprovideInterval));
    }

    [Fact]
    public void Store_survives_a_restart_through_its_file()
    {
        var dir = Directory.CreateTempSubdirectory("shoal-dht-").FullName;
        try
        {
            var store = new ProviderStore();
            var random = new Random(3);
            var peers = Enumerable.Range(0, 5).Select(_ => SimulatedNetwork.RandomPeerId(random)).ToArray();
            for (int i = 0; i < 50; i++) store.Add(Key(i), peers[i % 5], Addr, T0.AddHours(i % 2 == 0 ? 0 : -47.5));
            store.AddLocal(Key(7), T0.AddHours(-3));
            ProviderStoreFile.Save(store, dir);
            Assert.False(store.IsDirty);
            Assert.Equal([ProviderStoreFile.FileName], Directory.GetFiles(dir).Select(Path.GetFileName));

            var loaded = new ProviderStore();
            Assert.True(ProviderStoreFile.Load(loaded, dir, T0.AddHours(1)));
            Assert.Equal(25, loaded.RecordCount); // the half received 47.5 h earlier expired meanwhile
            Assert.Equal(peers[0], loaded.Get(Key(0), T0.AddHours(1)).Single().Provider);
            Assert.Equal(Addr, loaded.Get(Key(0), T0.AddHours(1)).Single().Addresses);
            Assert.Equal(T0.AddHours(-3), loaded.LocalKeys[Key(7)]);

            File.WriteAllBytes(Path.Combine(dir, ProviderStoreFile.FileName), File.ReadAllBytes(Path.Combine(dir, ProviderStoreFile.FileName))[..100]);
            Assert.Throws<InvalidDataException>(() => ProviderStoreFile.Load(new ProviderStore(), dir, T0));
            Assert.False(ProviderStoreFile.Load(new ProviderStore(), Path.Combine(dir, "missing"), T0));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public sealed class DhtFramingTests
{
    private static byte[] Frame(DhtMessage m)
    {
        var w = new ArrayBufferWriter<byte>();
        DhtFraming.Write(w, m);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public void Frames_split_across_reads_are_reassembled()
    {
        var m = new DhtMessage { Type = DhtMessage.Types.MessageType.FindNode, Key = ByteString.CopyFrom(new byte[200]) };
        var bytes = Frame(m).Concat(Frame(m)).ToArray();
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            int frames = 0;
            while (DhtFraming.TryReadFrame(ref partial, out var payload))
            {
                Assert.Equal(m, DhtFraming.Parse(payload));
                frames++;
            }
            Assert.Equal(cut == bytes.Length ? 2 : cut >= bytes.Length / 2 ? 1 : 0, frames);
        }
    }

    [Fact]
    public void Oversized_and_malformed_length_prefixes_are_refused_before_buffering()
    {
        // 4 MiB + 1 announced with no payload behind it: refused from the prefix alone.
        var seq = new ReadOnlySequence<byte>(new byte[] { 0x81, 0x80, 0x80, 0x02 });
        var e = Assert.Throws<DhtProtocolException>(() => DhtFraming.TryReadFrame(ref seq, out _));
        Assert.Contains("4194304", e.Message);
        seq = new ReadOnlySequence<byte>(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 });
        Assert.Throws<DhtProtocolException>(() => DhtFraming.TryReadFrame(ref seq, out _));
        seq = new ReadOnlySequence<byte>(new byte[] { 0x80, 0x00 });
        Assert.Throws<DhtProtocolException>(() => DhtFraming.TryReadFrame(ref seq, out _));
    }

    [Fact]
    public void Random_bytes_never_crash_the_parser()
    {
        var random = new Random(4);
        for (int i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            var seq = new ReadOnlySequence<byte>(bytes);
            try
            {
                while (DhtFraming.TryReadFrame(ref seq, out var payload))
                {
                    var m = DhtFraming.Parse(payload);
                    DhtPeerCodec.Decode(m.CloserPeers);
                }
            }
            catch (DhtProtocolException)
            {
            }
        }
    }
}
