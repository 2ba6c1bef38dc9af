using Shoal.Core;

namespace Shoal.Registry.Tests;

/// <summary>Mirrors on one <see cref="InProcessSwarm"/>, each with its own block store and data directory.</summary>
internal sealed class SwarmCluster : IAsyncDisposable
{
    private readonly TempDirectory _dir = new("shoal-swarm");
    private readonly List<RegistryMirrorHost> _mirrors = [];

    public InProcessSwarm Swarm { get; } = new();
    public Dictionary<string, MemoryBlockStore> Stores { get; } = [];
    public Dictionary<string, DagBlobSwarm> Nodes { get; } = [];

    public async Task<RegistryMirrorHost> AddMirrorAsync(string peer, Uri? upstream)
    {
        var store = new MemoryBlockStore();
        var node = Swarm.AddNode(peer, store, _dir.Sub(peer + "-index"));
        Stores[peer] = store;
        Nodes[peer] = node;
        var mirror = await RegistryMirrorHost.StartAsync(new RegistryMirrorOptions
        {
            Listen = "127.0.0.1:0",
            DefaultUpstream = upstream,
            DataDirectory = _dir.Sub(peer + "-mirror"),
        }, node);
        _mirrors.Add(mirror);
        return mirror;
    }

    /// <summary>Adds a swarm node with no mirror (a peer that only serves blocks).</summary>
    public DagBlobSwarm AddPeer(string peer)
    {
        var store = new MemoryBlockStore();
        var node = Swarm.AddNode(peer, store, _dir.Sub(peer + "-index"));
        Stores[peer] = store;
        Nodes[peer] = node;
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in _mirrors) await m.DisposeAsync();
        _dir.Dispose();
    }
}
