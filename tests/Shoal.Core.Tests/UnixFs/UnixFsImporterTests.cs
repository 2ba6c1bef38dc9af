using System.Text;

namespace Shoal.Core.Tests;

public class UnixFsImporterTests
{
    private static async Task<(UnixFsImportResult Result, MemoryBlockStore Store)> Import(Stream data, UnixFsImportOptions options)
    {
        var store = new MemoryBlockStore();
        var result = await UnixFsImporter.ImportAsync(data, store, options);
        return (result, store);
    }

    private static Task<(UnixFsImportResult Result, MemoryBlockStore Store)> Import(byte[] data, UnixFsImportOptions options)
        => Import(new MemoryStream(data), options);

    [Fact]
    public async Task Hello_world_newline_matches_kubo()
    {
        var (r, store) = await Import(Encoding.ASCII.GetBytes("hello world\n"), UnixFsImportOptions.Kubo);
        Assert.Equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", r.Root.ToString());
        Assert.Equal(1, store.Count);
        Assert.Equal(12, r.FileSize);
    }

    [Fact]
    public async Task Hello_world_newline_with_raw_leaves_is_the_raw_block()
    {
        var (r, _) = await Import(Encoding.ASCII.GetBytes("hello world\n"), UnixFsImportOptions.Helia);
        Assert.Equal("bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4", r.Root.ToString());
    }

    [Fact]
    public async Task Empty_file_matches_kubo_and_is_the_empty_raw_block_with_raw_leaves()
    {
        var (kubo, _) = await Import([], UnixFsImportOptions.Kubo);
        Assert.Equal("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", kubo.Root.ToString());
        var (helia, _) = await Import([], UnixFsImportOptions.Helia);
        Assert.Equal("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", helia.Root.ToString());
        Assert.Equal(0, helia.FileSize);
    }

    // IPIP-0499 fixtures (ipfs/specs src/ipips/ipip-0499.md); bytes from the seeded ChaCha20 stream Kubo's tests use.
    [Theory]
    [InlineData("kubo", "hello world", 0, "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD")]
    [InlineData("kubo", "chunk-v0-seed", 262144, "QmWmRj3dFDZdb6ABvbmKhEL6TmPbAfBZ1t5BxsEyJrcZhE")]
    [InlineData("kubo", "chunk-v0-seed", 262145, "QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ")]
    [InlineData("helia", "hello world", 0, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")]
    [InlineData("helia", "chunk-v1-seed", 1048576, "bafkreiacndfy443ter6qr2tmbbdhadvxxheowwf75s6zehscklu6ezxmta")]
    [InlineData("helia", "chunk-v1-seed", 1048577, "bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64")]
    public async Task Matches_ipip_0499_profile_fixtures(string profile, string seedOrText, int size, string expected)
    {
        var data = size == 0 ? Encoding.ASCII.GetBytes(seedOrText) : SeededContentStream.Bytes(seedOrText, size);
        var (r, _) = await Import(data, UnixFsImportOptions.FromProfile(profile));
        Assert.Equal(expected, r.Root.ToString());
    }

    [Theory]
    [InlineData(174L * 262144, "QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2")]
    [InlineData(174L * 262144 + 1, "QmV81WL765sC8DXsRhE5fJv2rwhS4icHRaf3J9Zk5FdRnW")]
    public async Task Matches_ipip_0499_kubo_max_links_fixtures(long size, string expected)
    {
        var store = new MemoryBlockStore();
        long lastProgress = 0;
        var progress = new SynchronousProgress(v => lastProgress = v);
        var r = await UnixFsImporter.ImportAsync(new SeededContentStream("v0-seed", size), store, UnixFsImportOptions.Kubo, progress);
        Assert.Equal(expected, r.Root.ToString());
        Assert.Equal(size, lastProgress);
        Assert.Equal(size, r.FileSize);
        var root = DagPb.Decode((await store.GetAsync(r.Root))!.Data.Span);
        Assert.Equal(size % 262144 == 0 ? 174 : 2, root.Links.Count);
    }

    [Fact]
    public async Task Two_chunk_file_root_has_two_links_with_empty_names_and_tsizes()
    {
        var data = SeededContentStream.Bytes("two", 1025);
        var options = UnixFsImportOptions.KuboV1 with { ChunkSize = 1024 };
        var (r, store) = await Import(data, options);
        Assert.Equal(3, store.Count);
        Assert.Equal(3, r.BlockCount);
        var rootBlock = (await store.GetAsync(r.Root))!;
        var root = DagPb.Decode(rootBlock.Data.Span);
        Assert.Equal(2, root.Links.Count);
        Assert.All(root.Links, l => Assert.Equal("", l.Name));
        Assert.Equal(1024UL, root.Links[0].Tsize);
        Assert.Equal(1UL, root.Links[1].Tsize);
        Assert.Equal((ulong)rootBlock.Data.Length + 1025, r.DagSize);
        var unixfs = UnixFsData.Decode(root.Data!.Value.Span);
        Assert.Equal(UnixFsType.File, unixfs.Type);
        Assert.Equal(1025UL, unixfs.FileSize);
        Assert.Equal([1024UL, 1UL], unixfs.BlockSizes);
        // Links come before Data on the wire, and the empty Name is present as 12 00.
        Assert.Equal(0x12, rootBlock.Data.Span[0]);
        Assert.Contains("120018", Convert.ToHexStringLower(rootBlock.Data.Span));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(9, 3)]
    [InlineData(10, 4)]
    [InlineData(27, 4)]
    [InlineData(28, 5)]
    public async Task Tree_depth_grows_only_when_a_level_overflows(int chunks, int expectedDepth)
    {
        var options = new UnixFsImportOptions { CidVersion = 1, ChunkSize = 16, MaxLinks = 3, RawLeaves = true };
        var data = SeededContentStream.Bytes("depth", chunks * 16);
        var (r, store) = await Import(data, options);
        int depth = 1;
        var cid = r.Root;
        while (cid.Codec == MulticodecCode.DagPb)
        {
            var node = DagPb.Decode((await store.GetAsync(cid))!.Data.Span);
            Assert.InRange(node.Links.Count, 1, 3);
            cid = node.Links[^1].Hash;
            depth++;
        }
        Assert.Equal(expectedDepth, depth);
    }

    [Fact]
    public void Unknown_profile_is_rejected()
        => Assert.Throws<ArgumentException>(() => UnixFsImportOptions.FromProfile("ipfs"));

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
