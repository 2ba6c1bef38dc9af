using System.Diagnostics;
using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Node;

/// <summary>
/// Spans for the flow of a fetch: a "bitswap session" span per fetch, a "bitswap want" span per CID from the
/// first want sent until its block arrives (tagged with the peers asked), and a "bitswap block" span under it
/// naming the peer that sent the block; on the serving side a "bitswap serve block" span per block sent,
/// naming the peer served. Blocks' links inherit their parent's session, so every block of a DAG is placed.
/// The Bitswap wire carries no trace context, so the two nodes' spans are joined by peer id and CID.
/// </summary>
public sealed class BitswapTracing
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Cid, Activity> _sessionOf = [];
    private readonly Dictionary<Cid, Activity> _wants = [];
    private readonly List<Cid> _links = [];

    private static bool Enabled => NodeTracing.Source.HasListeners();

    public void SessionStarted(Cid root, Activity? session)
    {
        if (session is null) return;
        lock (_gate) _sessionOf[root] = session;
    }

    /// <summary>Ends the session's open wants (never answered) and forgets its CIDs.</summary>
    public void SessionEnded(Activity? session)
    {
        if (session is null) return;
        lock (_gate)
        {
            foreach (var (cid, want) in _wants.Where(kv => kv.Value.ParentSpanId == session.SpanId).ToList())
            {
                want.SetTag("shoal.want.answered", false);
                want.Stop();
                _wants.Remove(cid);
            }
            foreach (var cid in _sessionOf.Where(kv => kv.Value == session).Select(kv => kv.Key).ToList()) _sessionOf.Remove(cid);
        }
    }

    public void MessageSent(PeerId peer, BitswapMessage message)
    {
        if (!Enabled) return;
        var previous = Activity.Current;
        try
        {
            lock (_gate)
            {
                foreach (var entry in message.Wantlist)
                {
                    if (entry.Cancel || !_sessionOf.TryGetValue(entry.Cid, out var session)) continue;
                    if (!_wants.TryGetValue(entry.Cid, out var want))
                    {
                        want = NodeTracing.Source.StartActivity("bitswap want", ActivityKind.Client, session.Context);
                        if (want is null) continue;
                        want.SetTag("shoal.cid", entry.Cid.ToString());
                        _wants[entry.Cid] = want;
                    }
                    var key = entry.WantType == WantType.Block ? "shoal.want.block_peers" : "shoal.want.have_peers";
                    var peers = want.GetTagItem(key) as string;
                    var id = peer.ToString();
                    if (peers is null || !peers.Contains(id, StringComparison.Ordinal)) want.SetTag(key, peers is null ? id : peers + "," + id);
                }
            }
            foreach (var block in message.Blocks)
            {
                Activity.Current = null; // a served block starts its own trace on this node
                using var serve = NodeTracing.Source.StartActivity("bitswap serve block", ActivityKind.Server);
                serve?.SetTag("shoal.cid", block.Cid.ToString());
                serve?.SetTag("shoal.peer", peer.ToString());
                serve?.SetTag("shoal.bytes", block.Data.Length);
            }
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    public void MessageReceived(PeerId peer, BitswapMessage message)
    {
        if (!Enabled || message.Blocks.Count == 0) return;
        var previous = Activity.Current;
        try
        {
            lock (_gate)
            {
                foreach (var block in message.Blocks)
                {
                    if (_wants.Remove(block.Cid, out var want))
                    {
                        using (var received = NodeTracing.Source.StartActivity("bitswap block", ActivityKind.Consumer, want.Context))
                        {
                            received?.SetTag("shoal.cid", block.Cid.ToString());
                            received?.SetTag("shoal.peer", peer.ToString());
                            received?.SetTag("shoal.bytes", block.Data.Length);
                        }
                        want.SetTag("shoal.want.answered_by", peer.ToString());
                        want.Stop();
                    }
                    if (!_sessionOf.TryGetValue(block.Cid, out var session)) continue;
                    _links.Clear();
                    try { BlockLinks.Extract(block, _links); }
                    catch (FormatException) { continue; } // the session reports the bad block; tracing just stops here
                    foreach (var link in _links) _sessionOf.TryAdd(link, session);
                }
            }
        }
        finally
        {
            Activity.Current = previous;
        }
    }
}
