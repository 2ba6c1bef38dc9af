using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>One CID a session still wants, with what each peer said about it.</summary>
internal sealed class SessionWant(Cid cid, int priority, int depth)
{
    public readonly Cid Cid = cid;
    public readonly int Priority = priority;

    /// <summary>Depth in the DAG (0 = root); inner nodes are fetched first by the Shoal strategy.</summary>
    public readonly int Depth = depth;

    /// <summary>Explicit answers only; a session peer not in here is <see cref="Presence.Unknown"/>.</summary>
    public readonly Dictionary<PeerId, Presence> Presence = [];

    /// <summary>The peer holding our want-block for this CID, until it answers.</summary>
    public PeerState? SentTo;

    /// <summary>When the want first went out (for the session's latency average).</summary>
    public TimeSpan? LiveSince;

    /// <summary>Every session peer said DONT_HAVE; waiting for new peers.</summary>
    public bool Exhausted;

    /// <summary>Queued for a fresh send decision at the end of this input.</summary>
    public bool Dirty;

    /// <summary>Has not been offered to the session's peers yet (want-haves still to go out).</summary>
    public bool New = true;

    /// <summary>1.1: sent and counted in <see cref="ClientSession.LegacyLiveCount"/>.</summary>
    public bool LegacyLive;

    /// <summary>Waiting for room in the session's DAG walk window (<see cref="ClientSession.WalkLimit"/>).</summary>
    public bool Held;

    /// <summary>In the session's <see cref="ClientSession.Unassigned"/> list.</summary>
    public bool Queued;

    /// <summary>Peers that said HAVE (kept in step with <see cref="Presence"/> by <see cref="SetPresence"/>).</summary>
    public int HaveCount;

    public void SetPresence(PeerId peer, Presence presence)
    {
        if (PresenceOf(peer) == global::Shoal.Bitswap.Presence.Have) HaveCount--;
        if (presence == global::Shoal.Bitswap.Presence.Unknown) Presence.Remove(peer);
        else Presence[peer] = presence;
        if (presence == global::Shoal.Bitswap.Presence.Have) HaveCount++;
    }

    public Presence PresenceOf(PeerId peer) => Presence.TryGetValue(peer, out var p) ? p : global::Shoal.Bitswap.Presence.Unknown;

    /// <summary>Shoal: this node's random rank of the want (ties among equally rare wants), so leechers that start
    /// together ask for different blocks.</summary>
    public int ShoalRank;

    /// <summary>Shoal: the peer that sent this block's parent; it very likely holds the block too, so it may be asked
    /// for it before its HAVE comes back.</summary>
    public PeerState? ShoalParentFrom;

    /// <summary>Shoal: a hash of the CID every node computes alike (which seeder to ask for it).</summary>
    public ulong ShoalKey;

    /// <summary>Shoal: nobody was known to hold it at the last idle tick; peers that have not answered may be
    /// asked for the block itself.</summary>
    public bool ShoalProbe;

    /// <summary>Shoal: <see cref="HaveCount"/> when <see cref="ShoalTreeTurn"/> was last decided (-1: never).</summary>
    public int ShoalTreeHolders = -1;

    /// <summary>Shoal: this node is among the peers that should fetch the block now (see ShoalTreeFanout).</summary>
    public bool ShoalTreeTurn;

    /// <summary>Shoal: how many fetching peers lacking the block rank before this node for it (as of
    /// <see cref="ShoalTreeHolders"/>); 0 when this node is the one every node expects to ask first.</summary>
    public int ShoalTreeAbove;

    /// <summary>Shoal: when the number of holders last changed (the turn rule gives way after ShoalTreeWait).</summary>
    public TimeSpan ShoalTreeSince;

    /// <summary>Shoal: since when this node has been leaving the want to a near peer that ranks before it (only far peers
    /// hold it); null while it is not.</summary>
    public TimeSpan? ShoalRegionSince;
}
