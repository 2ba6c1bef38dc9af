using Shoal.Net;

namespace Shoal.Dht.Tests;

public sealed class LookupTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Key = [0x12, 0x20, .. new byte[32]];

    private static List<LookupAction> Drain(Lookup lookup)
    {
        var list = new List<LookupAction>();
        while (lookup.TryDequeue(out var a)) list.Add(a);
        return list;
    }

    private static PeerInfo Info(PeerId id) => new(id, [Multiaddr.Parse("/ip4/10.0.0.1/tcp/1")], [], null);

    [Fact]
    public void At_most_alpha_requests_are_in_flight()
    {
        var random = new Random(1);
        var seeds = Enumerable.Range(0, 20).Select(_ => SimulatedNetwork.RandomPeerId(random)).ToList();
        var lookup = new Lookup(LookupKind.FindNode, Key, seeds, self: null, new LookupOptions { Alpha = 3 });
        lookup.Start(T0);
        var sends = Drain(lookup).Where(a => a.Kind == LookupActionKind.SendRequest).ToList();
        Assert.Equal(3, sends.Count);
        Assert.Equal(3, lookup.InFlight);
        lookup.OnResponse(sends[0].Peer!, [], [], T0.AddMilliseconds(5));
        Assert.Single(Drain(lookup), a => a.Kind == LookupActionKind.SendRequest);
        Assert.Equal(3, lookup.InFlight);
    }

    [Fact]
    public void Unanswered_requests_time_out_on_the_given_clock()
    {
        var random = new Random(2);
        var seeds = Enumerable.Range(0, 2).Select(_ => SimulatedNetwork.RandomPeerId(random)).ToList();
        var lookup = new Lookup(LookupKind.FindNode, Key, seeds, self: null);
        lookup.Start(T0);
        Drain(lookup);
        Assert.Equal(T0 + DhtConstants.RequestTimeout, lookup.NextDeadline);
        lookup.OnTimer(T0.AddSeconds(9));
        Assert.False(lookup.IsFinished);
        lookup.OnTimer(T0.AddSeconds(10));
        var actions = Drain(lookup);
        Assert.Equal(2, actions.Count(a => a.Kind == LookupActionKind.PeerUnreachable));
        Assert.Equal(LookupActionKind.Finished, actions[^1].Kind);
        Assert.Equal(LookupEndReason.Exhausted, lookup.EndReason);
        Assert.Equal(2, lookup.Failures);
        // A late answer changes nothing.
        lookup.OnResponse(seeds[0], [Info(SimulatedNetwork.RandomPeerId(random))], [], T0.AddSeconds(11));
        Assert.Empty(Drain(lookup));
    }

    [Fact]
    public void Providers_stream_out_as_they_arrive_and_the_lookup_stops_when_enough()
    {
        var random = new Random(3);
        var seeds = Enumerable.Range(0, 5).Select(_ => SimulatedNetwork.RandomPeerId(random)).ToList();
        var lookup = new Lookup(LookupKind.GetProviders, Key, seeds, self: null, new LookupOptions { MaxProviders = 3 });
        lookup.Start(T0);
        Drain(lookup);
        var p1 = Info(SimulatedNetwork.RandomPeerId(random));
        var p2 = Info(SimulatedNetwork.RandomPeerId(random));
        var p3 = Info(SimulatedNetwork.RandomPeerId(random));
        lookup.OnResponse(seeds[0], [], [p1, p2], T0.AddMilliseconds(1));
        Assert.Equal([p1, p2], Drain(lookup).Where(a => a.Kind == LookupActionKind.ProviderFound).Select(a => a.Info));
        Assert.False(lookup.IsFinished);
        lookup.OnResponse(seeds[1], [], [p2, p3], T0.AddMilliseconds(2));
        var actions = Drain(lookup);
        Assert.Equal([p3], actions.Where(a => a.Kind == LookupActionKind.ProviderFound).Select(a => a.Info));
        Assert.Equal(LookupEndReason.EnoughProviders, lookup.EndReason);
        Assert.Equal(1, lookup.FirstProviderHops);
    }

    [Fact]
    public void Self_is_never_queried_and_junk_floods_stay_bounded()
    {
        var random = new Random(4);
        var self = SimulatedNetwork.RandomPeerId(random);
        var seed = SimulatedNetwork.RandomPeerId(random);
        var lookup = new Lookup(LookupKind.FindNode, Key, [seed, self], self, new LookupOptions { MaxTrackedPeers = 100 });
        lookup.Start(T0);
        Assert.Equal([seed], Drain(lookup).Select(a => a.Peer));
        // A malicious answer with thousands of peers: only MaxPeersPerList are read.
        var junk = Enumerable.Range(0, 5000).Select(_ => Info(SimulatedNetwork.RandomPeerId(random))).Append(Info(self)).ToList();
        lookup.OnResponse(seed, junk, [], T0);
        var sends = Drain(lookup).Where(a => a.Kind == LookupActionKind.SendRequest).ToList();
        Assert.Equal(DhtConstants.Alpha, sends.Count);
        Assert.DoesNotContain(sends, a => a.Peer!.Equals(self));
        Assert.All(sends, a => Assert.Contains(junk.Take(DhtConstants.MaxPeersPerList), j => j.Id.Equals(a.Peer)));
    }
}
