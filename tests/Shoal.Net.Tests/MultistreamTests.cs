using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Shoal.Net.Tests;

public class MultistreamTests
{
    private static byte[] Encode(params string[] messages)
    {
        var writer = new ArrayBufferWriter<byte>();
        foreach (var m in messages) MultistreamMessage.Write(writer, m);
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Messages_split_at_every_byte_boundary_parse_only_when_complete()
    {
        var bytes = Encode(MultistreamSelect.ProtocolId, NoiseSecurity.ProtocolId);
        int firstLength = Encode(MultistreamSelect.ProtocolId).Length;
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            bool complete = MultistreamMessage.TryRead(ref partial, out var message);
            Assert.Equal(cut >= firstLength, complete);
            if (complete)
            {
                Assert.Equal(MultistreamSelect.ProtocolId, message);
                Assert.Equal(cut - firstLength, partial.Length); // only the first message was consumed
            }
            else
            {
                Assert.Equal(cut, partial.Length); // untouched
            }
        }
    }

    [Fact]
    public void A_message_split_across_segments_parses()
    {
        var bytes = Encode("/ipfs/id/1.0.0");
        var first = new Segment(bytes.AsMemory(0, 3));
        var last = first.Append(bytes.AsMemory(3));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        Assert.True(MultistreamMessage.TryRead(ref sequence, out var message));
        Assert.Equal("/ipfs/id/1.0.0", message);
        Assert.True(sequence.IsEmpty);
    }

    [Theory]
    [InlineData("8108", "outside 1..1024")]   // length 1025
    [InlineData("00", "outside 1..1024")]     // empty message
    [InlineData("03616263", "newline")]       // "abc" without '\n'
    [InlineData("02ff0a", "not UTF-8")]
    [InlineData("8000", "bad length prefix")] // non-minimal varint
    public void Malformed_messages_fail_with_a_clear_error(string hex, string expected)
    {
        var sequence = new ReadOnlySequence<byte>(Convert.FromHexString(hex));
        var error = Assert.Throws<MultistreamException>(() => MultistreamMessage.TryRead(ref sequence, out _));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task The_initiator_falls_back_after_na_the_way_go_dials_tls_then_noise()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        var select = MultistreamSelect.SelectAsync(a, ["/tls/1.0.0", NoiseSecurity.ProtocolId]);
        var accept = MultistreamSelect.AcceptAsync(b, p => p == NoiseSecurity.ProtocolId);
        Assert.Equal(NoiseSecurity.ProtocolId, await select.WaitAsync(TestHosts.Timeout));
        Assert.Equal(NoiseSecurity.ProtocolId, await accept.WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task Bytes_sent_right_after_a_pipelined_proposal_reach_the_next_layer()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        // What js and go do: header, proposal and the first application bytes in one write, without waiting.
        await a.Output.WriteAsync(Encode(MultistreamSelect.ProtocolId, "/echo/1.0.0").Concat(Encoding.UTF8.GetBytes("early data")).ToArray());
        var accepted = await MultistreamSelect.AcceptAsync(b, p => p == "/echo/1.0.0").WaitAsync(TestHosts.Timeout);
        Assert.Equal("/echo/1.0.0", accepted);
        var result = await b.Input.ReadAsync();
        Assert.Equal("early data", Encoding.UTF8.GetString(result.Buffer));
    }

    [Fact]
    public async Task The_responder_answers_na_to_ls_and_unknown_protocols()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        var accept = MultistreamSelect.AcceptAsync(b, p => p == "/yes");
        await a.Output.WriteAsync(Encode(MultistreamSelect.ProtocolId, "ls", "/no", "/yes"));
        var answers = new List<string>();
        while (answers.Count < 4) answers.Add(await MultistreamSelect.ReadMessageAsync(a.Input, CancellationToken.None).AsTask().WaitAsync(TestHosts.Timeout));
        Assert.Equal([MultistreamSelect.ProtocolId, "na", "na", "/yes"], answers);
        Assert.Equal("/yes", await accept);
    }

    [Fact]
    public async Task No_common_protocol_is_reported_as_not_supported()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        var accept = MultistreamSelect.AcceptAsync(b, _ => false);
        var error = await Assert.ThrowsAsync<MultistreamException>(() => MultistreamSelect.SelectAsync(a, ["/x", "/y"]).WaitAsync(TestHosts.Timeout));
        Assert.True(error.NotSupported);
        await a.DisposeAsync();
        await Assert.ThrowsAsync<MultistreamException>(() => accept.WaitAsync(TestHosts.Timeout));
    }

    [Fact]
    public async Task A_wrong_header_is_rejected()
    {
        var (a, b) = MemoryConnection.CreatePair(Multiaddr.Parse("/memory/1"), Multiaddr.Parse("/memory/2"));
        await a.Output.WriteAsync(Encode("/multistream/2.0.0", "/x"));
        var error = await Assert.ThrowsAsync<MultistreamException>(() => MultistreamSelect.AcceptAsync(b, _ => true).WaitAsync(TestHosts.Timeout));
        Assert.Contains("expected header", error.Message);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;
        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
