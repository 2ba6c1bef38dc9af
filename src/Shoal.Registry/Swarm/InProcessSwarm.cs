using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Shoal.Core;

namespace Shoal.Registry;

/// <summary>
/// A swarm of <see cref="DagBlobSwarm"/> nodes in one process, for tests and the Lab: provider records in a
/// shared table, blocks fetched straight from the providers' stores (re-verified against their CIDs, as
/// Bitswap does), requests spread round-robin over a session's providers. Peers can be told to lie (serve
/// tampered block bytes) or to leave; every bad answer is counted and the peer scored down.
/// </summary>
public sealed class InProcessSwarm
{
    /// <summary>A peer whose score falls to this is no longer offered as a provider.</summary>
    public const int BannedScore = -3;

    private readonly ConcurrentDictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<OciDigest, ConcurrentDictionary<string, BlobProvider>> _providers = new();

    /// <summary>Adds a node backed by <paramref name="store"/>; its blob index lives in <paramref name="dataDirectory"/>.</summary>
    public DagBlobSwarm AddNode(string peer, IBlockStore store, string dataDirectory, TimeSpan? providerSearchTimeout = null)
    {
        var member = new Member(this, peer, store);
        if (!_members.TryAdd(peer, member)) throw new ArgumentException($"peer {peer} is already in the swarm", nameof(peer));
        return new DagBlobSwarm(store, member, member, dataDirectory, providerSearchTimeout);
    }

    /// <summary>Replaces what <paramref name="peer"/> sends for a block (null: "don't have"); for lying peers.</summary>
    public void SetBlockServer(string peer, Func<Cid, ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> serve) => _members[peer].Serve = serve;

    /// <summary>Takes a peer offline: it answers nothing (its records stay, as stale DHT records do).</summary>
    public void SetOffline(string peer, bool offline) => _members[peer].Offline = offline;

    /// <summary>Adds a provider record directly, as a lying or misconfigured peer could.</summary>
    public void Announce(string peer, OciDigest digest, Cid root, long length) =>
        _providers.GetOrAdd(digest, _ => new(StringComparer.Ordinal))[peer] = new BlobProvider(peer, root, length);

    public int Score(string peer) => _members[peer].Score;
    public long BlocksServed(string peer) => Interlocked.Read(ref _members[peer].Served);
    public long BadBlocksReceived(string peer) => Interlocked.Read(ref _members[peer].BadReceived);
    public IReadOnlyCollection<string> ProvidersOf(OciDigest digest) =>
        _providers.TryGetValue(digest, out var p) ? p.Keys.ToArray() : [];

    private void ScoreDown(string peer)
    {
        if (_members.TryGetValue(peer, out var m)) Interlocked.Decrement(ref m.Score);
    }

    private sealed class Member(InProcessSwarm swarm, string peer, IBlockStore store) : IBlobRouting, IBlockFetcher
    {
        public int Score;
        public long Served;
        public long BadReceived;
        public volatile bool Offline;
        public Func<Cid, ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>? Serve;

        public Task AnnounceAsync(OciDigest digest, Cid root, long length, CancellationToken ct)
        {
            swarm.Announce(peer, digest, root, length);
            return Task.CompletedTask;
        }

        public async IAsyncEnumerable<BlobProvider> FindProvidersAsync(OciDigest digest, [EnumeratorCancellation] CancellationToken ct)
        {
            await Task.Yield();
            if (!swarm._providers.TryGetValue(digest, out var providers)) yield break;
            foreach (var provider in providers.Values)
            {
                ct.ThrowIfCancellationRequested();
                if (provider.Peer == peer) continue;
                if (!swarm._members.TryGetValue(provider.Peer, out var m) || m.Score <= BannedScore) continue;
                yield return provider;
            }
        }

        public void ReportBadProvider(string badPeer, OciDigest digest, Cid? root, string reason)
        {
            swarm.ScoreDown(badPeer);
            if (swarm._providers.TryGetValue(digest, out var providers)) providers.TryRemove(badPeer, out _);
        }

        public ValueTask<IBlockFetchSession> StartSessionAsync(IReadOnlyList<string> providers, CancellationToken ct) =>
            ValueTask.FromResult<IBlockFetchSession>(new Session(this, providers));

        /// <summary>What this peer sends when asked for a block.</summary>
        public async ValueTask<ReadOnlyMemory<byte>?> AnswerAsync(Cid cid, CancellationToken ct)
        {
            if (Offline) return null;
            var block = await store.GetAsync(cid, ct).ConfigureAwait(false);
            var data = block?.Data;
            if (Serve is { } serve) data = serve(cid, data);
            if (data is not null) Interlocked.Increment(ref Served);
            return data;
        }

        private sealed class Session(Member owner, IReadOnlyList<string> providers) : IBlockFetchSession
        {
            private int _next;

            public async ValueTask<Block> GetBlockAsync(Cid cid, CancellationToken ct)
            {
                // Round-robin start, so consecutive blocks of one blob come from different peers at once.
                var start = Interlocked.Increment(ref _next);
                for (var i = 0; i < providers.Count; i++)
                {
                    var peer = providers[(start + i) % providers.Count];
                    if (!owner.Swarm.TryGetValue(peer, out var remote) || remote.Score <= BannedScore) continue;
                    var data = await remote.AnswerAsync(cid, ct).ConfigureAwait(false);
                    if (data is null) continue;
                    try
                    {
                        return Block.Create(cid, data.Value); // the trust boundary: re-hash what a peer sent
                    }
                    catch (InvalidDataException)
                    {
                        Interlocked.Increment(ref owner.BadReceived);
                        owner.ScoreDownPeer(peer);
                    }
                }
                throw new IOException($"no provider of the session could send block {cid}");
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }

        private ConcurrentDictionary<string, Member> Swarm => swarm._members;
        private void ScoreDownPeer(string other) => swarm.ScoreDown(other);
    }
}
