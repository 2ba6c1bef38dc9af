using Shoal.Core;
using Shoal.Net.Routing;

namespace Shoal.Net.Tests;

public class StaticContentRoutingTests
{
    private static PeerInfo Peer() => new(Identity.Generate().PeerId, [Multiaddr.Parse("/memory/7")], [], null);

    [Fact]
    public async Task Nodes_sharing_a_table_find_each_others_provides_by_multihash()
    {
        var table = new StaticContentRouting();
        var alice = Peer();
        var bob = Peer();
        var cidV1 = Cid.Compute(1, MulticodecCode.DagPb, "hello"u8);
        await table.WithLocalPeer(alice).ProvideAsync(cidV1);
        await table.WithLocalPeer(bob).ProvideAsync(cidV1);
        await table.WithLocalPeer(bob).ProvideAsync(cidV1); // refresh, not duplicate

        var found = new List<PeerInfo>();
        await foreach (var p in table.FindProvidersAsync(cidV1.ToV0OrSelf(), 10)) found.Add(p);
        Assert.Equal([alice.Id, bob.Id], found.Select(p => p.Id));

        found.Clear();
        await foreach (var p in table.FindProvidersAsync(cidV1, 1)) found.Add(p);
        Assert.Single(found);

        Assert.True(table.RemoveProvider(cidV1, alice.Id));
        Assert.Equal([bob.Id], table.GetProviders(cidV1).Select(p => p.Id));
    }

    [Fact]
    public async Task Provide_without_a_local_peer_records_nothing()
    {
        var table = new StaticContentRouting();
        var cid = Cid.Compute(1, MulticodecCode.Raw, "x"u8);
        await table.ProvideAsync(cid);
        Assert.Empty(table.GetProviders(cid));
    }
}

internal static class CidTestExtensions
{
    /// <summary>The CIDv0 of a dag-pb sha2-256 CID (same multihash), to show lookups ignore version.</summary>
    public static Cid ToV0OrSelf(this Cid cid) => cid.Codec == MulticodecCode.DagPb && cid.Hash.Code == MulticodecCode.Sha2_256 ? Cid.Create(0, MulticodecCode.DagPb, cid.Hash) : cid;
}
