using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Shoal.Core;
using Shoal.Net;
using Shoal.Net.Routing;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>
/// The registry's blob routing over libp2p: a blob is provided under <see cref="BlobKey.For"/> (and its DAG
/// root, so plain IPFS peers find the blocks too) through the node's content routing (the DHT); a puller
/// finds providers of the key and asks each, in parallel, for the root with <see cref="BlobRootProtocol"/>.
/// Peers that lied are scored down here and no longer asked.
/// </summary>
public sealed class P2pBlobRouting(IP2pHost? host, IContentRouting routing) : IBlobRouting
{
    /// <summary>A provider record per peer is enough; DagBlobSwarm stops after its own limit anyway.</summary>
    public const int MaxProviders = DagBlobSwarm.MaxProvidersPerBlob;

    /// <summary>Connected peers asked directly before routing answers; bounds the fan-out on a well-connected node.</summary>
    public const int MaxConnectedPeersAsked = 32;

    /// <summary>Two bad answers and a peer is no longer asked (one could be a bug, two is a pattern).</summary>
    public const int BannedScore = -2;

    private readonly ConcurrentDictionary<string, int> _scores = new(StringComparer.Ordinal);

    public int Score(string peer) => _scores.TryGetValue(peer, out var s) ? s : 0;

    public async Task AnnounceAsync(OciDigest digest, Cid root, long length, CancellationToken ct)
    {
        await routing.ProvideAsync(BlobKey.For(digest), ct).ConfigureAwait(false);
        await routing.ProvideAsync(root, ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<BlobProvider> FindProvidersAsync(OciDigest digest, [EnumeratorCancellation] CancellationToken ct)
    {
        if (host is null) yield break; // no libp2p host: nobody can be asked for a root
        var answers = Channel.CreateBounded<BlobProvider>(MaxProviders);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = AskProvidersAsync(host, digest, answers.Writer, stop.Token);
        try
        {
            await foreach (var provider in answers.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                yield return provider;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await producer.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task AskProvidersAsync(IP2pHost p2p, OciDigest digest, ChannelWriter<BlobProvider> answers, CancellationToken ct)
    {
        var asks = new List<Task>();
        var asked = new HashSet<PeerId>();
        try
        {
            // Neighbours first, as Bitswap broadcasts its first wants: in a cluster they usually have the layer,
            // and asking them needs no routing round trips (and works before the DHT has anything).
            foreach (var peer in p2p.ConnectedPeers)
            {
                if (asked.Count >= MaxConnectedPeersAsked) break;
                if (Score(peer.ToString()) <= BannedScore || !asked.Add(peer)) continue;
                asks.Add(AskOneAsync(p2p, peer, digest, answers, ct));
            }
            await foreach (var info in routing.FindProvidersAsync(BlobKey.For(digest), MaxProviders, ct).ConfigureAwait(false))
            {
                if (info.Id == p2p.LocalPeer || Score(info.Id.ToString()) <= BannedScore || !asked.Add(info.Id)) continue;
                if (info.Addresses.Count > 0) p2p.AddAddresses(info.Id, info.Addresses);
                asks.Add(AskOneAsync(p2p, info.Id, digest, answers, ct));
            }
            await Task.WhenAll(asks).ConfigureAwait(false);
        }
        finally
        {
            answers.TryComplete();
        }
    }

    private static async Task AskOneAsync(IP2pHost p2p, PeerId peer, OciDigest digest, ChannelWriter<BlobProvider> answers, CancellationToken ct)
    {
        var provider = await BlobRootProtocol.AskAsync(p2p, peer, digest, ct).ConfigureAwait(false);
        if (provider is not null) await answers.WriteAsync(provider, ct).ConfigureAwait(false);
    }

    public string LocalPeer => host?.LocalPeer.ToString() ?? "";

    /// <summary>Asks every connected peer (those that pull the same image at the same moment are neighbours in a
    /// cluster) whether it holds the blob or is fetching it.</summary>
    public async IAsyncEnumerable<PeerFetch> AskFetchingPeersAsync(OciDigest digest, [EnumeratorCancellation] CancellationToken ct)
    {
        if (host is null) yield break;
        var asks = new List<Task<PeerFetch?>>();
        foreach (var peer in host.ConnectedPeers)
        {
            if (asks.Count >= MaxConnectedPeersAsked) break;
            if (Score(peer.ToString()) <= BannedScore) continue;
            asks.Add(BlobRootProtocol.AskStateAsync(host, peer, digest, ct));
        }
        while (asks.Count > 0)
        {
            var done = await Task.WhenAny(asks).ConfigureAwait(false);
            asks.Remove(done);
            if (await done.ConfigureAwait(false) is { } answer) yield return answer;
        }
    }

    public async Task<BlobProvider?> WaitForPeerAsync(string peer, OciDigest digest, CancellationToken ct)
    {
        if (host is null || !PeerId.TryParse(peer, out var id) || id is null) return null;
        return await BlobRootProtocol.WaitAsync(host, id, digest, DagBlobSwarm.PeerFetchWaitTimeout, ct).ConfigureAwait(false);
    }

    public async Task<(Stream Content, long Length)?> OpenPeerDownloadAsync(string peer, OciDigest digest, long offset, CancellationToken ct)
    {
        if (host is null || !PeerId.TryParse(peer, out var id) || id is null) return null;
        return await BlobStreamProtocol.OpenAsync(host, id, digest, offset, ct).ConfigureAwait(false);
    }

    public void ReportBadProvider(string peer, OciDigest digest, Cid? root, string reason) =>
        _scores.AddOrUpdate(peer, -1, (_, s) => s - 1);
}
