namespace Shoal.Core.Tests;

public class CarTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "car", name));

    private static readonly string[] BasicBlocks =
    [
        "bafyreihyrpefhacm6kkp4ql6j6udakdit7g3dmkzfriqfykhjw6cad5lrm",
        "QmNX6Tffavsya4xgBi2VJQnSuqy9GsxongxZZ9uZBqp16d",
        "bafkreifw7plhl6mofk6sfvhnfh64qmkq73oeqwl6sloru6rehaoujituke",
        "QmWXZxVQ9yZfhQxLD35eDR8LiMRsYtHxYqTFCBbJoiJVys",
        "bafkreiebzrnroamgos2adnbpgw5apo3z4iishhbdx77gldnbk57d4zdio4",
        "QmdwjhxpxzcMsR3qUuj7vUL8pbA7MgR3GAxWi2GLHjsKCT",
        "bafkreidbxzk2ryxwwtqxem4l3xyyjvw35yu4tcct4cqeqxwo47zhxgxqwq",
        "bafyreidj5idub6mapiupjwjsyyxhyhedxycv4vihfsicm2vt46o7morwlm",
    ];

    private static async Task<(CarReader Car, List<Block> Blocks)> ReadAll(byte[] bytes)
    {
        var car = await CarReader.OpenAsync(new MemoryStream(bytes));
        var blocks = new List<Block>();
        await foreach (var b in car.ReadBlocksAsync()) blocks.Add(b);
        return (car, blocks);
    }

    [Fact]
    public async Task Reads_the_carv1_basic_fixture()
    {
        var (car, blocks) = await ReadAll(Fixture("carv1-basic.car"));
        Assert.Equal(1, car.Version);
        Assert.Equal(["bafyreihyrpefhacm6kkp4ql6j6udakdit7g3dmkzfriqfykhjw6cad5lrm", "bafyreidj5idub6mapiupjwjsyyxhyhedxycv4vihfsicm2vt46o7morwlm"],
            car.Roots.Select(r => r.ToString()));
        Assert.Equal(BasicBlocks, blocks.Select(b => b.Cid.ToString()));
        Assert.Equal("cccc"u8.ToArray(), blocks[2].Data.ToArray());
    }

    [Fact]
    public async Task Writing_the_fixture_blocks_reproduces_the_fixture_bytes()
    {
        var original = Fixture("carv1-basic.car");
        var (car, blocks) = await ReadAll(original);
        var output = new MemoryStream();
        await using (var writer = await CarWriter.CreateAsync(output, car.Roots))
        {
            foreach (var b in blocks) await writer.WriteAsync(b);
        }
        Assert.Equal(original, output.ToArray());
    }

    [Theory]
    [InlineData("dir-with-files.car")]                       // Kubo, CIDv1 root
    [InlineData("file-3k-and-3-blocks-missing-block.car")]   // Kubo, CIDv0 root
    [InlineData("carv1-basic.car")]                          // go-car, two roots
    public async Task The_header_written_is_byte_for_byte_the_one_kubo_and_go_car_wrote(string fixture)
    {
        var original = Fixture(fixture);
        var car = await CarReader.OpenAsync(new MemoryStream(original));
        var output = new MemoryStream();
        await using (var writer = await CarWriter.CreateAsync(output, car.Roots)) { }
        var headerLength = output.Length; // a CAR with no blocks is exactly its framed header
        Assert.True(headerLength > 40);
        Assert.Equal(original.AsSpan(0, (int)headerLength).ToArray(), output.ToArray());
    }

    [Fact]
    public async Task Reads_the_inner_carv1_of_the_carv2_basic_fixture()
    {
        var (car, blocks) = await ReadAll(Fixture("carv2-basic.car"));
        Assert.Equal(2, car.Version);
        Assert.Equal("QmfEoLyB5NndqeKieExd1rtJzTduQUPEV8TwAYcUiy3H5Z", Assert.Single(car.Roots).ToString());
        Assert.Equal(5, blocks.Count);
        Assert.Equal("bafkreifc4hca3inognou377hfhvu2xfchn2ltzi7yu27jkaeujqqqdbjju", blocks[^1].Cid.ToString());
    }

    [Theory]
    [InlineData(16, 0xff)] // data offset beyond 2^63
    [InlineData(24, 0xff)] // data size beyond 2^63
    [InlineData(16, 0x00)] // data offset inside the header
    public async Task Carv2_header_with_absurd_offsets_is_refused(int field, byte fill)
    {
        var bytes = Fixture("carv2-basic.car");
        bytes.AsSpan(11 + field, 8).Fill(fill);
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(bytes));
    }

    [Fact]
    public async Task A_tampered_block_is_refused()
    {
        var bytes = Fixture("carv1-basic.car");
        bytes[362] ^= 0x01; // inside the "cccc" raw block
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(bytes));
        Assert.Contains("offset 325", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    [InlineData(101)]
    [InlineData(200)]
    [InlineData(700)]
    public async Task Truncated_input_is_an_InvalidDataException(int keep)
    {
        var bytes = Fixture("carv1-basic.car").AsSpan(0, keep).ToArray();
        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(bytes));
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("0aa16776657273696f6e03")]       // version 3
    [InlineData("0aa16776657273696f6e01")]       // version 1 without roots
    [InlineData("01ff")]                          // not a map
    [InlineData("ffffffffffffffffff01")]          // over-long varint
    [InlineData("feffff7f")]                      // header length above the limit
    [InlineData("13a26776657273696f6e016776657273696f6e01")]     // duplicate 'version' key
    [InlineData("0bbf6776657273696f6e01ff")]                     // indefinite-length map (not DAG-CBOR)
    [InlineData("14a265726f6f747381420001" + "6776657273696f6e01")] // a root that is not a tag-42 link
    [InlineData("0ea16776657273696f6e3a7fffffff")]               // a negative version
    public async Task Bad_headers_are_refused(string hex)
        => await Assert.ThrowsAsync<InvalidDataException>(() => ReadAll(Convert.FromHexString(hex)));

    [Fact]
    public async Task Exported_dag_imports_into_an_empty_store_and_reads_back()
    {
        var data = SeededContentStream.Bytes("car-export", 5000);
        var source = new MemoryBlockStore();
        var imported = await UnixFsImporter.ImportAsync(data, source, new UnixFsImportOptions { ChunkSize = 256, MaxLinks = 4 });
        var car = new MemoryStream();
        long written = await CarWriter.ExportDagAsync(car, imported.Root, new UnixFsReader(source));
        Assert.Equal(source.Count, written);

        car.Position = 0;
        var target = new MemoryBlockStore();
        var (roots, count) = await CarReader.ImportAsync(car, target);
        Assert.Equal(imported.Root, Assert.Single(roots));
        Assert.Equal(written, count);
        var back = new MemoryStream();
        await new UnixFsReader(target).CopyToAsync(imported.Root, back);
        Assert.Equal(data, back.ToArray());
    }

    [Fact]
    public async Task Reads_sections_split_across_tiny_stream_reads()
    {
        var bytes = Fixture("carv1-basic.car");
        var car = await CarReader.OpenAsync(new TrickleStream(bytes));
        int n = 0;
        await foreach (var _ in car.ReadBlocksAsync()) n++;
        Assert.Equal(8, n);
    }

    /// <summary>Returns at most 3 bytes per read, to exercise resumable framing.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 3));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 3)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
            => base.ReadAsync(buffer[..Math.Min(buffer.Length, 3)], ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
            => base.ReadAsync(buffer, offset, Math.Min(count, 3), ct);
    }
}
