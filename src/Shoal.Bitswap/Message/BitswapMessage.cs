using Google.Protobuf;
using Shoal.Core;

namespace Shoal.Bitswap;

/// <summary>One Bitswap message as the cores see it: wantlist changes, blocks, presences, pendingBytes.
/// Independent of the protocol version; <see cref="BitswapMessageCodec"/> maps it to the wire.</summary>
public sealed class BitswapMessage
{
    /// <summary>True when <see cref="Wantlist"/> replaces the receiver's whole view of our wants.</summary>
    public bool Full { get; set; }

    public List<WantlistEntry> Wantlist { get; } = [];

    /// <summary>Blocks; every one hashes to its CID (the codec rebuilds CIDs from the data on receipt).</summary>
    public List<Block> Blocks { get; } = [];

    public List<BlockPresence> BlockPresences { get; } = [];

    /// <summary>Bytes of work the sender still has queued for the receiver (1.2.0; 0 when unknown).</summary>
    public int PendingBytes { get; set; }

    public bool IsEmpty => !Full && Wantlist.Count == 0 && Blocks.Count == 0 && BlockPresences.Count == 0 && PendingBytes == 0;

    /// <summary>Total bytes of block data carried.</summary>
    public long BlockBytes
    {
        get
        {
            long n = 0;
            foreach (var b in Blocks) n += b.Data.Length;
            return n;
        }
    }

    /// <summary>The exact number of bytes this message takes on a 1.2.0 stream, length prefix included
    /// (what the Lab's link model charges for it). Computed without encoding.</summary>
    public int WireSize(BitswapProtocolVersion version = BitswapProtocolVersion.V120)
    {
        int body = BitswapMessageCodec.ComputeBodySize(this, version);
        return CodedOutputStream.ComputeLengthSize(body) + body;
    }

    public override string ToString()
        => $"BitswapMessage(full={Full}, wants={Wantlist.Count}, blocks={Blocks.Count}, presences={BlockPresences.Count}, pending={PendingBytes})";
}
