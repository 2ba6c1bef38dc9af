namespace Shoal.Core.Tests;

public class DagPbTests
{
    private static string FixtureDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "dagpb");

    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(FixtureDir, "*.dag-pb")) data.Add(Path.GetFileName(f));
        return data;
    }

    // ipld/codec-fixtures: every dag-pb fixture decodes, re-encodes to the same bytes, and hashes to its name.
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Codec_fixtures_round_trip_byte_exact(string file)
    {
        var bytes = File.ReadAllBytes(Path.Combine(FixtureDir, file));
        var expected = Cid.Parse(Path.GetFileNameWithoutExtension(file));
        Assert.Equal(expected, Cid.Compute(1, MulticodecCode.DagPb, bytes));
        var node = DagPb.Decode(bytes);
        Assert.Equal(bytes, DagPb.Encode(node));
        Assert.Equal(bytes.Length, DagPb.GetEncodedLength(node));
    }

    [Fact]
    public void Decodes_named_links_fixture_fields()
    {
        var node = DagPb.Decode(File.ReadAllBytes(Path.Combine(FixtureDir, "bafybeigcsevw74ssldzfwhiijzmg7a35lssfmjkuoj2t5qs5u5aztj47tq.dag-pb")));
        Assert.Equal(4, node.Links.Count);
        Assert.Equal("audio_only.m4a", node.Links[0].Name);
        Assert.Equal(23319629UL, node.Links[0].Tsize);
        Assert.Equal("QmaUAwAQJNtvUdJB42qNbTTgDpzPYD1qdsKNtctM5i7DGB", node.Links[0].Hash.ToString());
        Assert.Equal("zoom_0.mp4", node.Links[3].Name);
        Assert.Equal(306281879UL, node.Links[3].Tsize);
        Assert.Equal(new byte[] { 8, 1 }, node.Data!.Value.ToArray());
        Assert.Equal(UnixFsType.Directory, UnixFsData.Decode(node.Data.Value.Span).Type);
    }

    [Fact]
    public void Absent_and_empty_fields_stay_distinct()
    {
        var hash = Cid.Compute(1, MulticodecCode.Raw, "x"u8);
        Assert.Equal("", Convert.ToHexStringLower(DagPb.Encode(new DagPbNode([], null))));
        Assert.Equal("0a00", Convert.ToHexStringLower(DagPb.Encode(new DagPbNode([], ReadOnlyMemory<byte>.Empty))));
        var emptyName = DagPb.Encode(new DagPbNode([new DagPbLink(hash, "", 0)], null));
        Assert.EndsWith("12001800", Convert.ToHexStringLower(emptyName));
        var noName = DagPb.Decode(DagPb.Encode(new DagPbNode([new DagPbLink(hash, null, null)], null)));
        Assert.Null(noName.Links[0].Name);
        Assert.Null(noName.Links[0].Tsize);
        Assert.Null(noName.Data);
        Assert.Equal("", DagPb.Decode(emptyName).Links[0].Name);
    }

    // ipld/codec-fixtures negative-fixtures/dag-pb/decode/edges.json, plus the strictness rules of @ipld/dag-pb.
    [Theory]
    [InlineData("1200")]
    [InlineData("12000a050001020304")]
    [InlineData("12020a00")]
    [InlineData("12021200")]
    [InlineData("120b1209736f6d65206e616d65")]
    [InlineData("12021800")]
    [InlineData("120318f207")]
    [InlineData("12240a221220cf92fdefcdc34cac009c8b05eb662be0618db9de55ecd42785e9ec6712f8df650a040802180612240a221220cf92fdefcdc34cac009c8b05eb662be0618db9de55ecd42785e9ec6712f8df65")]
    [InlineData("0a00" + "0a00")]                 // duplicate Data
    [InlineData("1a00")]                         // unknown PBNode field 3
    [InlineData("0800")]                         // Data with varint wire type
    [InlineData("0a05000102")]                   // Data length past the end
    [InlineData("1210" + "120161" + "0a09015500050001020304" + "1800")] // Name before Hash
    public void Rejects_invalid_blocks(string hex)
        => Assert.Throws<FormatException>(() => DagPb.Decode(Convert.FromHexString(hex)));

    [Theory]
    [InlineData("120d0a09015500050001020304" + "2000")]        // unknown link field 4
    [InlineData("120f0a09015500050001020304" + "18001800")]  // duplicate Tsize
    [InlineData("120d0a09015500050001020304" + "1a00")]      // Tsize with length-delimited wire type
    [InlineData("120d0a09015500050001020304" + "1201ff")]    // Name not UTF-8 (length runs short first)
    [InlineData("120e0a09015500050001020304" + "1201ff")]    // Name not UTF-8
    [InlineData("12050a03015500")]                           // Hash not a complete CID
    public void Rejects_invalid_links(string hex)
        => Assert.Throws<FormatException>(() => DagPb.Decode(Convert.FromHexString(hex)));
}
