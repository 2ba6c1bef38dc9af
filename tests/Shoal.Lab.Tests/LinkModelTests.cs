using Shoal.Lab.Definitions;
using Shoal.Lab.Simulation;

namespace Shoal.Lab.Tests;

public class LinkModelTests
{
    private const double Mbit = 1e6 / 8;

    private sealed class Net
    {
        public readonly EventQueue Events = new();
        public readonly FluidNetwork Network;
        public readonly Dictionary<(int, int), long> Arrived = new();

        public readonly List<(int From, int To, long At)> All = [];

        public Net(double[] up, double[] down, string rtt = "10ms", string? crossCapacity = null, int[]? regions = null, long rateUpdateIntervalNs = 0, bool lazy = false)
        {
            regions ??= new int[up.Length];
            var eps = up.Select((u, i) => new SimEndpoint(i, $"n{i}", $"r{regions[i]}", u, down[i], 0, TimeSpan.Zero)).ToList();
            Quantity.TryParseDuration(rtt, out var r);
            double? cap = crossCapacity is null ? null : (Quantity.TryParseRate(crossCapacity, out var c) ? c : null);
            var links = new List<RegionLinkDefinition> { new("r0", "r0", r, null, 0, TimeSpan.Zero), new("r1", "r1", r, null, 0, TimeSpan.Zero), new("r0", "r1", r, cap, 0, TimeSpan.Zero) };
            Network = new FluidNetwork(Events, new SimTopology(eps, links), new Random(1)) { RateUpdateIntervalNs = rateUpdateIntervalNs, LazyFairShare = lazy };
            Network.Delivered += m =>
            {
                Arrived[(m.From, m.To)] = Events.Now;
                All.Add((m.From, m.To, Events.Now));
            };
        }

        public void Send(int from, int to, long bytes, int lane = 0) => Network.Send(new SimMessage(from, to, "x", bytes, "test", lane));

        public void Run()
        {
            Network.Settle();
            while (Events.RunNextInstant()) Network.Settle();
        }

        public double At(int from, int to) => VirtualClock.ToSeconds(Arrived[(from, to)]);
    }

    [Fact]
    public void One_transfer_takes_size_over_bandwidth_plus_latency_within_2_percent()
    {
        var net = new Net([100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit], rtt: "20ms");
        net.Send(0, 1, 10_000_000);
        net.Run();
        var expected = 10_000_000 / (100 * Mbit) + 0.010;
        Assert.InRange(net.At(0, 1), expected * 0.98, expected * 1.02);
    }

    [Fact]
    public void Two_flows_into_one_downlink_share_it_equally()
    {
        // Two senders with fast uplinks, one receiver with a 100 Mbit downlink: each gets 50 Mbit, both finish together.
        var net = new Net([1000 * Mbit, 1000 * Mbit, 1000 * Mbit], [100 * Mbit, 100 * Mbit, 100 * Mbit], rtt: "0ms");
        net.Send(0, 2, 5_000_000);
        net.Send(1, 2, 5_000_000);
        net.Run();
        Assert.Equal(net.At(0, 2), net.At(1, 2), 6);
        Assert.Equal(10_000_000 / (100 * Mbit), net.At(0, 2), 3);
    }

    [Fact]
    public void Two_flows_out_of_one_uplink_share_it_equally_and_the_survivor_speeds_up()
    {
        // 2 MB and 6 MB from one 80 Mbit uplink: both at 40 Mbit until the small one ends (0.4 s), then 80 Mbit.
        var net = new Net([80 * Mbit, 1000 * Mbit, 1000 * Mbit], [1000 * Mbit, 1000 * Mbit, 1000 * Mbit], rtt: "0ms");
        net.Send(0, 1, 2_000_000);
        net.Send(0, 2, 6_000_000);
        net.Run();
        Assert.Equal(0.4, net.At(0, 1), 4);
        Assert.Equal(0.4 + 4_000_000 / (80 * Mbit), net.At(0, 2), 4);
    }

    [Fact]
    public void Max_min_gives_a_flow_the_capacity_another_cannot_use()
    {
        // Node 0's 100 Mbit uplink sends to node 1 (10 Mbit downlink) and node 2 (fast): 10 and 90, not 50/50.
        var net = new Net([100 * Mbit, 1000 * Mbit, 1000 * Mbit], [1000 * Mbit, 10 * Mbit, 1000 * Mbit], rtt: "0ms");
        net.Send(0, 1, 1_250_000);
        net.Send(0, 2, 9_000_000);
        net.Run();
        Assert.Equal(1.0, net.At(0, 1), 3);
        Assert.Equal(9_000_000 / (90 * Mbit), net.At(0, 2), 3);
    }

    [Fact]
    public void Messages_on_one_connection_go_one_after_another()
    {
        var net = new Net([100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit], rtt: "0ms");
        var times = new List<long>();
        net.Network.Delivered += _ => times.Add(net.Events.Now);
        net.Send(0, 1, 1_250_000);
        net.Send(0, 1, 1_250_000);
        net.Run();
        Assert.Equal(0.1, VirtualClock.ToSeconds(times[0]), 4);
        Assert.Equal(0.2, VirtualClock.ToSeconds(times[1]), 4);
    }

    [Fact]
    public void A_capacity_limited_path_between_regions_is_shared_by_all_flows_crossing_it()
    {
        // Two 100 Mbit flows from region 0 to region 1 over a 50 Mbit path: 25 Mbit each.
        var net = new Net([100 * Mbit, 100 * Mbit, 100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit, 100 * Mbit, 100 * Mbit], rtt: "0ms", crossCapacity: "50Mbit", regions: [0, 0, 1, 1]);
        net.Send(0, 2, 2_500_000);
        net.Send(1, 3, 2_500_000);
        net.Run();
        Assert.Equal(2_500_000 / (25 * Mbit), net.At(0, 2), 3);
        Assert.Equal(net.At(0, 2), net.At(1, 3), 6);
    }

    [Fact]
    public void Small_control_messages_do_not_wait_behind_bulk_data()
    {
        var net = new Net([100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit], rtt: "10ms");
        var order = new List<long>();
        net.Network.Delivered += m => order.Add(m.WireBytes);
        net.Send(0, 1, 10_000_000);
        net.Send(0, 1, 200);
        net.Run();
        Assert.Equal([200L, 10_000_000L], order);
    }

    [Fact]
    public void Small_control_messages_take_capacity_on_a_full_link()
    {
        // A 10 MB block message fills node 1's 100 Mbit downlink (0.8 s); meanwhile node 2 sends 250 control messages of
        // 4000 bytes into that downlink (1 MB, 0.08 s of it): the block arrives that much later.
        var net = new Net([100 * Mbit, 100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit, 100 * Mbit], rtt: "0ms");
        net.Send(0, 1, 10_000_000);
        net.Network.Settle();
        for (var i = 0; i < 250; i++)
        {
            var at = (i + 1) * 1_000_000L; // one per virtual millisecond, all within the block's 0.8 s
            net.Events.At(at, () => net.Send(2, 1, 4000));
        }
        net.Run();
        Assert.Equal(0.88, net.At(0, 1), 3);
        Assert.Equal(250 * 4000, net.Network.ChargedSmallBytes); // on node 1's downlink only: node 2's uplink was idle
    }

    [Fact]
    public void Small_control_messages_on_links_with_spare_capacity_cost_nothing()
    {
        // The block message is limited by node 0's 50 Mbit uplink, so node 1's 100 Mbit downlink has room for the control bytes.
        var net = new Net([50 * Mbit, 100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit, 100 * Mbit], rtt: "0ms");
        net.Send(0, 1, 5_000_000);
        net.Network.Settle();
        for (var i = 0; i < 250; i++) net.Events.At((i + 1) * 1_000_000L, () => net.Send(2, 1, 4000));
        net.Run();
        Assert.Equal(0.8, net.At(0, 1), 3);
        Assert.Equal(0, net.Network.ChargedSmallBytes);
    }

    [Fact]
    public void With_a_rate_update_interval_one_transfer_still_takes_size_over_bandwidth_plus_latency()
    {
        var net = new Net([100 * Mbit, 100 * Mbit], [100 * Mbit, 100 * Mbit], rtt: "20ms", rateUpdateIntervalNs: 50_000);
        net.Send(0, 1, 10_000_000);
        net.Run();
        var expected = 10_000_000 / (100 * Mbit) + 0.010;
        Assert.InRange(net.At(0, 1), expected * 0.98, expected * 1.02);
    }

    [Fact]
    public void With_a_rate_update_interval_a_transfer_starting_meanwhile_waits_for_the_next_recomputation()
    {
        // 1 ms interval: the first transfer gets rates at once; the second starts 0.2 ms later and waits until 1 ms,
        // then both share node 0's uplink. Exact max-min would start it at 0.2 ms.
        const long interval = 1_000_000;
        var net = new Net([100 * Mbit, 1000 * Mbit, 1000 * Mbit], [1000 * Mbit, 1000 * Mbit, 1000 * Mbit], rtt: "0ms", rateUpdateIntervalNs: interval);
        net.Send(0, 1, 1_250_000);
        net.Network.Settle();
        net.Events.At(200_000, () => net.Send(0, 2, 1_250_000));
        net.Run();
        // Transfer 1: 1 ms alone at 100 Mbit (12,500 B), then shared at 50 Mbit: (1,250,000 - 12,500) / 6.25 MB/s + 1 ms.
        Assert.Equal(0.001 + (1_250_000 - 12_500) / (50 * Mbit), net.At(0, 1), 4);
        // Transfer 2: nothing before 1 ms, 50 Mbit until transfer 1 ends (same bytes sent), then its last 12,500 B at 100 Mbit.
        Assert.Equal(net.At(0, 1) + 12_500 / (100 * Mbit), net.At(0, 2), 4);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Lazy_fair_shares_deliver_at_the_same_times_as_exact_ones(int seed)
    {
        // Uneven capacities, two regions with a narrow path between them, hundreds of overlapping transfers.
        var random = new Random(seed);
        const int n = 14;
        var up = Enumerable.Range(0, n).Select(_ => (10 + random.Next(990)) * Mbit).ToArray();
        var down = Enumerable.Range(0, n).Select(_ => (10 + random.Next(990)) * Mbit).ToArray();
        var regions = Enumerable.Range(0, n).Select(i => i % 2).ToArray();
        var sends = Enumerable.Range(0, 400).Select(_ =>
        {
            int from = random.Next(n), to = random.Next(n - 1);
            if (to >= from) to++;
            return (At: (long)random.Next(200_000_000), From: from, To: to, Bytes: 5_000L + random.Next(3_000_000));
        }).ToList();

        List<(int From, int To, long At)> Run(bool lazy)
        {
            var net = new Net(up, down, rtt: "2ms", crossCapacity: "300Mbit", regions: regions, lazy: lazy);
            foreach (var x in sends) net.Events.At(x.At, () => net.Send(x.From, x.To, x.Bytes));
            net.Run();
            return net.All;
        }

        var exact = Run(lazy: false);
        var lazy = Run(lazy: true);
        Assert.Equal(sends.Count, exact.Count);
        Assert.Equal(exact.Count, lazy.Count);
        var byPair = lazy.GroupBy(a => (a.From, a.To)).ToDictionary(g => g.Key, g => g.Select(a => a.At).ToList());
        foreach (var g in exact.GroupBy(a => (a.From, a.To)))
        {
            var times = byPair[g.Key];
            var expected = g.Select(a => a.At).ToList();
            for (int i = 0; i < expected.Count; i++)
                Assert.InRange(times[i], expected[i] - 1_000, expected[i] + 1_000); // within a microsecond: rounding only
        }
    }
}
