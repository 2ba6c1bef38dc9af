using Shoal.Bitswap;
using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap.Tests;

/// <summary>One Bitswap core in the test network, with its store and what it observed.</summary>
internal sealed class SimNode
{
    public SimNode(string name, PeerId id, BitswapEngine engine, MemoryBlockLookup store, BitswapProtocolVersion version)
    {
        Name = name;
        Id = id;
        Engine = engine;
        Store = store;
        Version = version;
    }

    public string Name { get; }
    public PeerId Id { get; }
    public BitswapEngine Engine { get; }
    public MemoryBlockLookup Store { get; }
    public BitswapProtocolVersion Version { get; }

    /// <summary>Receives messages but never answers (a stalled or malicious peer).</summary>
    public bool Silent { get; set; }

    /// <summary>Upload bandwidth in bytes per second; 0 = unlimited.</summary>
    public double UploadBytesPerSecond { get; set; }

    public TimeSpan UplinkFreeAt { get; set; }
    public TimeSpan? ScheduledWake { get; set; }
    public long BytesUploaded { get; set; }

    public Dictionary<long, List<Block>> Delivered { get; } = [];
    public Dictionary<long, TimeSpan> Completed { get; } = [];
    public List<Cid> ProviderQueries { get; } = [];
    public List<BitswapMessage> Received { get; } = [];
    public List<(PeerId To, BitswapMessage Message)> Sent { get; } = [];
    public List<string> Disconnects { get; } = [];

    public override string ToString() => Name;
}
