using Shoal.Net;

namespace Shoal.Bitswap;

// Provider hints for a session: peers the caller already knows hold the content (the registry mirror finds a
// blob's providers through the DHT) join the session before its first want, so the wants go straight to them
// instead of being broadcast to every neighbour and waiting for a HAVE.
public sealed partial class BitswapEngine
{
    /// <summary>Adds <paramref name="peers"/> to the session as if each had answered HAVE: its wants are spread
    /// over them from now on. Only connected peers join (report <see cref="PeerConnected"/> first); for the
    /// others a <see cref="ConnectTo"/> is emitted and they can be added again once connected.</summary>
    public void AddSessionPeers(long session, IEnumerable<PeerId> peers, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(peers);
        Begin(now);
        if (_sessions.TryGetValue(session, out var s) && !s.Closed)
        {
            foreach (var peer in peers)
            {
                if (peer.Equals(Self)) continue;
                if (_peers.TryGetValue(peer, out var p) && p.Connected) AddPeerToSession(s, p);
                else Emit(new ConnectTo(peer));
            }
        }
        End();
    }
}
