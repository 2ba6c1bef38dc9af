// Stand-in for Shoal.Net.PeerId until the libp2p assembly lands it; Shoal.Bitswap.csproj drops this file
// automatically once src/Shoal.Net/Crypto/PeerId.cs exists. Same public shape as the contract.
using Shoal.Core;
namespace Shoal.Net;
public sealed class PeerId : IEquatable<PeerId>
{
    private readonly byte[] _bytes;
    private PeerId(byte[] b) { _bytes = b; }
    public ReadOnlyMemory<byte> Bytes => _bytes;
    public static PeerId FromBytes(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());
    public bool Equals(PeerId? o) => o is not null && _bytes.AsSpan().SequenceEqual(o._bytes);
    public override bool Equals(object? obj) => obj is PeerId p && Equals(p);
    public override int GetHashCode() { var h = new HashCode(); h.AddBytes(_bytes); return h.ToHashCode(); }
    public override string ToString() => Base58.Encode(_bytes);
}
