using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>Drives one core by hand: scripted peers, a fake clock, and the actions it produced.</summary>
internal sealed class CoreDriver
{
    private readonly List<BitswapAction> _actions = [];

    public CoreDriver(BitswapOptions? options = null, PeerId? self = null)
    {
        Store = new MemoryBlockLookup();
        Engine = new BitswapEngine(self ?? SimNet.MakePeerId("self"), Store, options);
    }

    public BitswapEngine Engine { get; }
    public MemoryBlockLookup Store { get; }
    public TimeSpan Now { get; set; }

    /// <summary>Connects <paramref name="peers"/> speaking Bitswap 1.2.</summary>
    public void Connect(params PeerId[] peers)
    {
        foreach (var p in peers) Engine.PeerConnected(p, BitswapProtocolVersion.V120, Now);
    }

    /// <summary><paramref name="peer"/> subscribes here to <paramref name="cid"/>: a want-have without DONT_HAVE, as Shoal sends.</summary>
    public void SubscribeFrom(PeerId peer, Cid cid)
        => Engine.MessageReceived(peer, Wants(WantlistEntry.Want(cid, 1, WantType.Have, false)), Now);

    /// <summary>Starts a session with <paramref name="peers"/> and asks it for <paramref name="cids"/>; returns its id.</summary>
    public long StartFetch(IEnumerable<PeerId> peers, IReadOnlyList<Cid> cids)
    {
        long session = Engine.StartSession(Now);
        Engine.AddSessionPeers(session, peers, Now);
        Engine.WantBlocks(session, cids, Now);
        return session;
    }

    /// <summary>Every action since the last <see cref="Take"/>.</summary>
    public List<BitswapAction> Take()
    {
        Engine.DrainActions(_actions);
        var copy = _actions.ToList();
        _actions.Clear();
        return copy;
    }

    public static List<BitswapMessage> MessagesTo(IEnumerable<BitswapAction> actions, PeerId peer)
        => actions.OfType<SendMessage>().Where(s => s.Peer.Equals(peer)).Select(s => s.Message).ToList();

    public static List<WantlistEntry> EntriesTo(IEnumerable<BitswapAction> actions, PeerId peer)
        => MessagesTo(actions, peer).SelectMany(m => m.Wantlist).ToList();

    public static BitswapMessage Presence(Cid cid, BlockPresenceType type)
    {
        var m = new BitswapMessage();
        m.BlockPresences.Add(new BlockPresence(cid, type));
        return m;
    }

    public static BitswapMessage Blocks(params Block[] blocks)
    {
        var m = new BitswapMessage();
        m.Blocks.AddRange(blocks);
        return m;
    }

    public static BitswapMessage Wants(params WantlistEntry[] entries)
    {
        var m = new BitswapMessage();
        m.Wantlist.AddRange(entries);
        return m;
    }

    /// <summary>Advances the clock to the core's next timer and fires it.</summary>
    public void FireNextTimer()
    {
        var due = Engine.NextWakeUp ?? throw new InvalidOperationException("no timer armed");
        if (due > Now) Now = due;
        Engine.Tick(Now);
    }

    /// <summary>Advances to <paramref name="until"/>, firing each timer on the way.</summary>
    public void AdvanceTo(TimeSpan until)
    {
        while (Engine.NextWakeUp is { } due && due <= until)
        {
            if (due > Now) Now = due;
            Engine.Tick(Now);
        }
        Now = until;
        Engine.Tick(Now);
    }
}
