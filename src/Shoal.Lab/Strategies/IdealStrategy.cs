using Shoal.Lab.Content;
using Shoal.Lab.Simulation;

namespace Shoal.Lab.Strategies;

/// <summary>
/// A perfect schedule, to validate the simulator against the bound: seeders push block i to fetcher i mod N
/// (spreading each block once), and each fetcher forwards every block it got from a seeder to every other
/// fetcher. No requests, no duplicates. Assumes all fetchers start together and no churn.
/// </summary>
public sealed class IdealStrategy : SimStrategy
{
    /// <summary>Protobuf and prefix bytes around a block in a Bitswap-like message.</summary>
    private const int BlockMessageOverhead = 48;

    private readonly Dictionary<int, SimNodeHost> _hosts = new();
    private IReadOnlyList<IReadOnlyList<int>> _holders = [];
    private IReadOnlyList<IReadOnlyList<int>> _fetchers = [];

    public override string Name => "ideal";
    public override string Describe() => "reference perfect push schedule (seeders stripe blocks over fetchers, fetchers forward to all others)";

    public override void Prepare(SimulationContext context)
    {
        _hosts.Clear();
        _holders = context.InitialHolders;
        _fetchers = context.Fetchers;
    }

    public override INodeBehaviour CreateNode(SimNodeHost host)
    {
        _hosts[host.Index] = host;
        return new Node(this, host);
    }

    private void Push(int from, int to, int block, bool fromSeeder)
    {
        var h = _hosts[from];
        h.CountBlockSent(block);
        h.Send(to, new PushMessage(block, fromSeeder), WireFraming.Libp2p(h.Catalog[block].Size + BlockMessageOverhead), "block");
    }

    private sealed record PushMessage(int Block, bool FromSeeder);

    private sealed class Node(IdealStrategy s, SimNodeHost host) : INodeBehaviour
    {
        public void Start() { }
        public void Stop() { }
        public void PeerJoined(int peer) { }
        public void PeerLeft(int peer) { }
        public void Timer(long token) { }

        public void Fetch(ContentPart part)
        {
            // The first fetcher of a part to start sets the seeders going (instant signal: this is the reference).
            var fetchers = s._fetchers[part.Index];
            if (fetchers.Count == 0 || fetchers[0] != host.Index) return;
            var seeders = s._holders[part.Index];
            var blocks = part.BlockIds;
            for (var i = 0; i < blocks.Length; i++)
                s.Push(seeders[i % seeders.Count], fetchers[(i / seeders.Count + i % seeders.Count) % fetchers.Count], blocks[i], true);
        }

        public void Receive(int from, object payload)
        {
            if (payload is not PushMessage p) return;
            host.ReceiveBlock(p.Block, from);
            if (!p.FromSeeder) return;
            foreach (var other in s._fetchers[host.Catalog.PartOf(p.Block).Index])
                if (other != host.Index) s.Push(host.Index, other, p.Block, false);
        }
    }
}
