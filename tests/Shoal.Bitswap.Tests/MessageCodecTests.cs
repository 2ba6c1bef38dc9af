using System.Buffers;
using Shoal.Bitswap;
using Shoal.Core;

namespace Shoal.Bitswap.Tests;

public class MessageCodecTests
{
    private static Block RawBlock(int size, int seed) => Block.Compute(TestDags.RandomBytes(size, seed));

    private static BitswapMessage Sample()
    {
        var msg = new BitswapMessage { Full = true, PendingBytes = 123_456 };
        var a = RawBlock(100, 1);
        var b = Block.Compute(TestDags.RandomBytes(300, 2), MulticodecCode.DagPb, version: 0);
        msg.Wantlist.Add(WantlistEntry.Want(a.Cid, 7, WantType.Have, sendDontHave: true));
        msg.Wantlist.Add(WantlistEntry.Want(b.Cid, 3, WantType.Block, sendDontHave: false));
        msg.Wantlist.Add(WantlistEntry.CancelOf(RawBlock(10, 3).Cid));
        msg.Blocks.Add(a);
        msg.Blocks.Add(b);
        msg.BlockPresences.Add(new BlockPresence(RawBlock(20, 4).Cid, BlockPresenceType.Have));
        msg.BlockPresences.Add(new BlockPresence(RawBlock(21, 5).Cid, BlockPresenceType.DontHave));
        return msg;
    }

    private static BitswapMessage RoundTrip(BitswapMessage msg, BitswapProtocolVersion version)
    {
        var seq = new ReadOnlySequence<byte>(BitswapMessageCodec.EncodeFramed(msg, version));
        Assert.True(BitswapMessageCodec.TryReadFrame(ref seq, out var body));
        Assert.True(seq.IsEmpty);
        return BitswapMessageCodec.Decode(body);
    }

    [Fact]
    public void Version_1_2_round_trips_every_field()
    {
        var msg = Sample();
        var back = RoundTrip(msg, BitswapProtocolVersion.V120);
        Assert.True(back.Full);
        Assert.Equal(123_456, back.PendingBytes);
        Assert.Equal(msg.Wantlist, back.Wantlist);
        Assert.Equal(msg.Blocks.Select(b => b.Cid), back.Blocks.Select(b => b.Cid));
        Assert.Equal(msg.Blocks.Select(b => b.Data.ToArray()), back.Blocks.Select(b => b.Data.ToArray()));
        Assert.Equal(msg.BlockPresences, back.BlockPresences);
    }

    [Fact]
    public void Version_1_1_keeps_blocks_with_prefixes_and_drops_1_2_fields()
    {
        var back = RoundTrip(Sample(), BitswapProtocolVersion.V110);
        Assert.Equal(2, back.Blocks.Count);
        Assert.Empty(back.BlockPresences);
        Assert.Equal(0, back.PendingBytes);
        Assert.All(back.Wantlist, e => Assert.Equal(WantType.Block, e.WantType));
        Assert.All(back.Wantlist, e => Assert.False(e.SendDontHave));
    }

    [Fact]
    public void Version_1_0_sends_only_cidv0_blocks_in_the_blocks_field()
    {
        var back = RoundTrip(Sample(), BitswapProtocolVersion.V100);
        var block = Assert.Single(back.Blocks);
        Assert.Equal(0, block.Cid.Version);
        Assert.Equal(Sample().Blocks[1].Cid, block.Cid);
    }

    [Theory]
    [InlineData(BitswapProtocolVersion.V100)]
    [InlineData(BitswapProtocolVersion.V110)]
    [InlineData(BitswapProtocolVersion.V120)]
    public void Wire_size_is_the_exact_framed_length(BitswapProtocolVersion version)
    {
        var msg = Sample();
        Assert.Equal(BitswapMessageCodec.EncodeFramed(msg, version).Length, msg.WireSize(version));
        var empty = new BitswapMessage();
        Assert.Equal(BitswapMessageCodec.EncodeFramed(empty, version).Length, empty.WireSize(version));
    }

    [Fact]
    public void Frames_split_across_segments_are_read_when_complete()
    {
        var frame = BitswapMessageCodec.EncodeFramed(Sample());
        for (int cut = 0; cut < frame.Length; cut += 97)
        {
            var partial = new ReadOnlySequence<byte>(frame, 0, cut);
            Assert.False(BitswapMessageCodec.TryReadFrame(ref partial, out _));
        }
        var two = frame.Concat(frame).ToArray();
        var seq = new ReadOnlySequence<byte>(two);
        Assert.True(BitswapMessageCodec.TryReadFrame(ref seq, out _));
        Assert.True(BitswapMessageCodec.TryReadFrame(ref seq, out _));
        Assert.True(seq.IsEmpty);
    }

    [Fact]
    public void Length_prefix_over_4_MiB_is_rejected_before_buffering()
    {
        var prefix = new byte[Varint.MaxLength];
        int n = Varint.Write(prefix, (ulong)BitswapLimits.MaxMessageSize + 1);
        var seq = new ReadOnlySequence<byte>(prefix, 0, n);
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.TryReadFrame(ref seq, out _));
    }

    [Fact]
    public void Shared_decoding_matches_copying_decoding_and_blocks_point_into_the_body()
    {
        var msg = Sample();
        msg.Blocks.Add(RawBlock(1024 * 1024, 12));
        var body = BitswapMessageCodec.Encode(msg);
        var copied = BitswapMessageCodec.Decode(body);
        var shared = BitswapMessageCodec.DecodeShared(body);

        Assert.Equal(copied.Wantlist, shared.Wantlist);
        Assert.Equal(copied.BlockPresences, shared.BlockPresences);
        Assert.Equal(copied.PendingBytes, shared.PendingBytes);
        Assert.Equal(copied.Full, shared.Full);
        Assert.Equal(msg.Blocks.Select(b => b.Cid), shared.Blocks.Select(b => b.Cid));
        Assert.Equal(msg.Blocks.Select(b => b.Data.ToArray()), shared.Blocks.Select(b => b.Data.ToArray()));
        Assert.All(shared.Blocks, b =>
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(b.Data, out var segment));
            Assert.Same(body, segment.Array);
        });
        Assert.All(copied.Blocks, b =>
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(b.Data, out var segment));
            Assert.NotSame(body, segment.Array);
        });
    }

    [Fact]
    public void A_small_block_in_a_message_that_is_mostly_presences_gets_a_copy_not_the_whole_body()
    {
        var msg = new BitswapMessage();
        msg.Blocks.Add(RawBlock(100, 15));
        for (int i = 0; i < 2000; i++) msg.BlockPresences.Add(new BlockPresence(RawBlock(8, 1000 + i).Cid, BlockPresenceType.Have));
        var body = BitswapMessageCodec.Encode(msg);
        var decoded = BitswapMessageCodec.DecodeShared(body);
        var block = Assert.Single(decoded.Blocks);
        Assert.Equal(msg.Blocks[0].Cid, block.Cid);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(block.Data, out var segment));
        Assert.NotSame(body, segment.Array); // 100 bytes must not keep a 70 KB message alive
        Assert.Equal(2000, decoded.BlockPresences.Count);
    }

    [Fact]
    public void A_payload_with_fields_reordered_repeated_and_unknown_decodes_as_protobuf_would()
    {
        var block = RawBlock(3, 13);
        var prefix = BlockPrefix.Of(block.Cid);
        var inner = new List<byte>();
        inner.AddRange([0x12, 0x01, 0xEE]);                             // data = EE (overwritten below: last wins)
        inner.AddRange([0x38, 0x05]);                                   // field 7, varint: unknown, skipped
        inner.AddRange([0x0a, (byte)prefix.Length]); inner.AddRange(prefix);
        inner.AddRange([0x12, 0x03]); inner.AddRange(block.Data.ToArray());
        var body = new List<byte> { 0x28, 0x07 };                       // pendingBytes = 7, before the payload
        body.AddRange([0x1a, (byte)inner.Count]); body.AddRange(inner);
        body.AddRange([0x18, 0x01]);                                    // field 3 as a varint: unknown to protobuf, skipped
        foreach (var decoded in new[] { BitswapMessageCodec.Decode(body.ToArray()), BitswapMessageCodec.DecodeShared(body.ToArray()) })
        {
            Assert.Equal(block.Cid, Assert.Single(decoded.Blocks).Cid);
            Assert.Equal(7, decoded.PendingBytes);
        }
    }

    [Fact]
    public void A_truncated_payload_is_a_protocol_error_in_both_decoders()
    {
        var msg = new BitswapMessage();
        msg.Blocks.Add(RawBlock(100, 14));
        var body = BitswapMessageCodec.Encode(msg);
        var cut = body.AsSpan(0, body.Length - 10).ToArray(); // the payload's declared length runs past the end
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.Decode(cut));
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.DecodeShared(cut));
    }

    [Fact]
    public void Block_over_2_MiB_is_rejected()
    {
        var msg = new BitswapMessage();
        msg.Blocks.Add(RawBlock(BitswapLimits.MaxBlockSize + 1, 9));
        var body = BitswapMessageCodec.Encode(msg);
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.Decode(body));
    }

    [Fact]
    public void Wantlist_of_70000_entries_is_rejected_without_parsing_it()
    {
        var msg = new BitswapMessage();
        var cid = RawBlock(5, 5).Cid;
        for (int i = 0; i < 70_000; i++) msg.Wantlist.Add(WantlistEntry.Want(cid, 1, WantType.Block, false));
        var body = BitswapMessageCodec.Encode(msg);
        Assert.True(body.Length <= BitswapLimits.MaxMessageSize);
        var e = Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.Decode(body));
        Assert.Contains("entries", e.Message);
    }

    [Fact]
    public void Block_data_is_rehashed_so_a_tampered_block_gets_a_different_cid()
    {
        var original = RawBlock(1000, 11);
        var msg = new BitswapMessage();
        msg.Blocks.Add(original);
        var body = BitswapMessageCodec.Encode(msg);
        int at = body.AsSpan().IndexOf(original.Data.Span[..16]);
        body[at + 5] ^= 0xff;
        var back = BitswapMessageCodec.Decode(body);
        Assert.NotEqual(original.Cid, Assert.Single(back.Blocks).Cid);
    }

    [Fact]
    public void Bad_cid_prefix_and_empty_cids_are_protocol_errors()
    {
        // payload { prefix: 00 55 12 20 (CIDv0 with raw codec), data: "x" }
        byte[] badPrefix = [0x1a, 0x09, 0x0a, 0x04, 0x00, 0x55, 0x12, 0x20, 0x12, 0x01, 0x78];
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.Decode(badPrefix));
        // wantlist { entries { block: <empty> } }
        byte[] emptyCid = [0x0a, 0x04, 0x0a, 0x02, 0x0a, 0x00];
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.Decode(emptyCid));
        // presence with a 200-byte cid
        var big = new byte[] { 0x22, 0xcb, 0x01, 0x0a, 0xc8, 0x01 }.Concat(new byte[200]).ToArray();
        Assert.Throws<BitswapProtocolException>(() => BitswapMessageCodec.Decode(big));
    }

    [Fact]
    public void Random_bytes_never_escape_as_anything_but_a_protocol_error()
    {
        var rng = new Random(42);
        var valid = BitswapMessageCodec.Encode(Sample());
        for (int i = 0; i < 3000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[rng.Next(0, 200)];
                rng.NextBytes(input);
            }
            else
            {
                input = (byte[])valid.Clone();
                for (int k = 0; k < 1 + rng.Next(4); k++) input[rng.Next(input.Length)] = (byte)rng.Next(256);
            }
            try
            {
                BitswapMessageCodec.Decode(input);
            }
            catch (BitswapProtocolException)
            {
            }
            try
            {
                BitswapMessageCodec.DecodeShared(input);
            }
            catch (BitswapProtocolException)
            {
            }
        }
    }

    [Fact]
    public void Identity_cids_in_wantlists_are_ignored_not_fatal()
    {
        var identity = Cid.Create(1, MulticodecCode.Raw, Multihash.Sum(MulticodecCode.Identity, "hi"u8));
        var msg = new BitswapMessage();
        msg.Wantlist.Add(WantlistEntry.Want(identity, 1, WantType.Block, false));
        Assert.Empty(RoundTrip(msg, BitswapProtocolVersion.V120).Wantlist);
    }
}
