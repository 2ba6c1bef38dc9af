using System.Buffers;
using Google.Protobuf;
using Shoal.Core;
using WireMessage = Shoal.Bitswap.Wire.Message;

namespace Shoal.Bitswap;

/// <summary>Maps <see cref="BitswapMessage"/> to and from the wire: uvarint length + protobuf, per
/// protocol version. Every length is checked against <see cref="BitswapLimits"/> before it is buffered,
/// and every received block is hashed to rebuild its CID (the trust boundary).</summary>
public static class BitswapMessageCodec
{
    // ---------------------------------------------------------------- framing

    /// <summary>Takes one length-prefixed message off the front of <paramref name="buffer"/>. Returns false
    /// when more bytes are needed (resumable); throws <see cref="BitswapProtocolException"/> for a length
    /// over <see cref="BitswapLimits.MaxMessageSize"/> or a malformed varint.</summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        var reader = new SequenceReader<byte>(buffer);
        ulong length;
        try
        {
            if (!Varint.TryRead(ref reader, out length)) return false;
        }
        catch (FormatException e)
        {
            throw new BitswapProtocolException("malformed message length prefix", e);
        }
        if (length > BitswapLimits.MaxMessageSize)
            throw new BitswapProtocolException($"message of {length} bytes exceeds the {BitswapLimits.MaxMessageSize} byte limit");
        if (reader.Remaining < (long)length) return false;
        payload = buffer.Slice(reader.Position, (long)length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>Writes the length prefix and the message body for a peer speaking <paramref name="version"/>.</summary>
    public static void WriteFramed(BitswapMessage message, BitswapProtocolVersion version, IBufferWriter<byte> output)
    {
        var pb = ToWire(message, version);
        int size = pb.CalculateSize();
        if (size > BitswapLimits.MaxMessageSize)
            throw new InvalidOperationException($"message of {size} bytes exceeds the {BitswapLimits.MaxMessageSize} byte limit; split it");
        var prefix = output.GetSpan(Varint.MaxLength);
        output.Advance(Varint.Write(prefix, (ulong)size));
        pb.WriteTo(output);
    }

    /// <summary>The framed bytes (for tests and the in-memory network).</summary>
    public static byte[] EncodeFramed(BitswapMessage message, BitswapProtocolVersion version = BitswapProtocolVersion.V120)
    {
        var writer = new ArrayBufferWriter<byte>();
        WriteFramed(message, version, writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The protobuf body without the length prefix.</summary>
    public static byte[] Encode(BitswapMessage message, BitswapProtocolVersion version = BitswapProtocolVersion.V120)
        => ToWire(message, version).ToByteArray();

    // ---------------------------------------------------------------- encode

    private static WireMessage ToWire(BitswapMessage message, BitswapProtocolVersion version)
    {
        var pb = new WireMessage();
        if (message.Wantlist.Count > 0 || message.Full)
        {
            pb.Wantlist = new WireMessage.Types.Wantlist { Full = message.Full };
            foreach (var e in message.Wantlist)
            {
                var entry = new WireMessage.Types.Wantlist.Types.Entry
                {
                    Block = UnsafeByteOperations.UnsafeWrap(e.Cid.Bytes),
                    Priority = e.Priority,
                    Cancel = e.Cancel,
                };
                if (version >= BitswapProtocolVersion.V120 && !e.Cancel)
                {
                    entry.WantType = e.WantType == WantType.Have
                        ? WireMessage.Types.Wantlist.Types.WantType.Have : WireMessage.Types.Wantlist.Types.WantType.Block;
                    entry.SendDontHave = e.SendDontHave;
                }
                pb.Wantlist.Entries.Add(entry);
            }
        }
        foreach (var block in message.Blocks)
        {
            if (version == BitswapProtocolVersion.V100)
            {
                // 1.0.0 receivers rebuild a CIDv0 from the data; any other block would not match.
                if (block.Cid.Version == 0) pb.Blocks.Add(UnsafeByteOperations.UnsafeWrap(block.Data));
                continue;
            }
            pb.Payload.Add(new WireMessage.Types.Block
            {
                Prefix = UnsafeByteOperations.UnsafeWrap(BlockPrefix.Of(block.Cid)),
                Data = UnsafeByteOperations.UnsafeWrap(block.Data),
            });
        }
        if (version >= BitswapProtocolVersion.V120)
        {
            foreach (var p in message.BlockPresences)
            {
                pb.BlockPresences.Add(new WireMessage.Types.BlockPresence
                {
                    Cid = UnsafeByteOperations.UnsafeWrap(p.Cid.Bytes),
                    Type = p.Type == BlockPresenceType.DontHave
                        ? WireMessage.Types.BlockPresenceType.DontHave : WireMessage.Types.BlockPresenceType.Have,
                });
            }
            pb.PendingBytes = message.PendingBytes;
        }
        return pb;
    }

    /// <summary>Size of the protobuf body for <paramref name="version"/>, computed field by field.</summary>
    internal static int ComputeBodySize(BitswapMessage message, BitswapProtocolVersion version)
    {
        int size = 0;
        if (message.Wantlist.Count > 0 || message.Full)
        {
            int wl = message.Full ? 2 : 0;
            foreach (var e in message.Wantlist)
            {
                int cidLength = e.Cid.Bytes.Length; // sized without wrapping it in a ByteString (the sim sizes every message)
                int entry = 1 + CodedOutputStream.ComputeLengthSize(cidLength) + cidLength;
                if (e.Priority != 0) entry += 1 + CodedOutputStream.ComputeInt32Size(e.Priority);
                if (e.Cancel) entry += 2;
                if (version >= BitswapProtocolVersion.V120 && !e.Cancel)
                {
                    if (e.WantType == WantType.Have) entry += 2;
                    if (e.SendDontHave) entry += 2;
                }
                wl += 1 + CodedOutputStream.ComputeLengthSize(entry) + entry;
            }
            size += 1 + CodedOutputStream.ComputeLengthSize(wl) + wl;
        }
        foreach (var block in message.Blocks)
        {
            int data = block.Data.Length;
            if (version == BitswapProtocolVersion.V100)
            {
                if (block.Cid.Version == 0) size += 1 + CodedOutputStream.ComputeLengthSize(data) + data;
                continue;
            }
            int prefix = BlockPrefix.SizeOf(block.Cid);
            int inner = 1 + CodedOutputStream.ComputeLengthSize(prefix) + prefix
                + (data > 0 ? 1 + CodedOutputStream.ComputeLengthSize(data) + data : 0);
            size += 1 + CodedOutputStream.ComputeLengthSize(inner) + inner;
        }
        if (version >= BitswapProtocolVersion.V120)
        {
            foreach (var p in message.BlockPresences)
            {
                int cidLength = p.Cid.Bytes.Length;
                int inner = 1 + CodedOutputStream.ComputeLengthSize(cidLength) + cidLength
                    + (p.Type == BlockPresenceType.DontHave ? 2 : 0);
                size += 1 + CodedOutputStream.ComputeLengthSize(inner) + inner;
            }
            if (message.PendingBytes != 0) size += 1 + CodedOutputStream.ComputeInt32Size(message.PendingBytes);
        }
        return size;
    }

    // ---------------------------------------------------------------- decode

    /// <summary>Decodes one message body (without its length prefix). Blocks get CIDs rebuilt from their
    /// prefix and a fresh hash of their data; entries and presences with identity CIDs are dropped.
    /// Throws <see cref="BitswapProtocolException"/> for anything malformed or over a limit.</summary>
    public static BitswapMessage Decode(ReadOnlySequence<byte> body)
    {
        if (body.Length > BitswapLimits.MaxMessageSize)
            throw new BitswapProtocolException($"message of {body.Length} bytes exceeds the {BitswapLimits.MaxMessageSize} byte limit");
        if (body.IsSingleSegment) return Decode(body.FirstSpan);
        byte[] rented = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(rented);
            return Decode(rented.AsSpan(0, (int)body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc cref="Decode(ReadOnlySequence{byte})"/>
    public static BitswapMessage Decode(ReadOnlySpan<byte> body) => Decode(body, default);

    /// <summary>Decodes like <see cref="Decode(ReadOnlySpan{byte})"/>, but when blocks make up at least half of the
    /// body, every block's data is a slice of <paramref name="body"/> instead of a copy: the body must not be reused
    /// afterwards (the blocks keep it alive). Used for received messages, whose bytes are already one copy out of the
    /// stream. A message that is mostly something else gets copied blocks, so a small block never pins a large body.</summary>
    public static BitswapMessage DecodeShared(ReadOnlyMemory<byte> body) => Decode(body.Span, body);

    /// <summary>Payload blocks (field 3, nearly all of a message's bytes) are parsed here, straight from the body,
    /// and keep a slice of <paramref name="shared"/> (or a copy when it is empty); the protobuf library copies
    /// every bytes field, so it only sees the other fields.</summary>
    private static BitswapMessage Decode(ReadOnlySpan<byte> body, ReadOnlyMemory<byte> shared)
    {
        if (body.Length > BitswapLimits.MaxMessageSize)
            throw new BitswapProtocolException($"message of {body.Length} bytes exceeds the {BitswapLimits.MaxMessageSize} byte limit");
        CheckCounts(body);

        int restLength = 0;
        long blockBytes = 0;
        var scan = new ProtoScanner(body);
        while (true)
        {
            int start = scan.Consumed;
            if (!scan.Next(out int field, out int wireType, out var value)) break;
            if (!IsPayload(field, wireType)) restLength += scan.Consumed - start;
            else blockBytes += PayloadDataLength(value);
        }
        // Blocks keep the whole body alive when they share it: only worth it (and only safe against a peer padding
        // messages around a tiny block) when blocks are most of the body. Otherwise they get copies.
        if (blockBytes * 2 < body.Length) shared = default;

        WireMessage pb;
        List<Block>? payloadBlocks = null;
        byte[] rest = ArrayPool<byte>.Shared.Rent(Math.Max(1, restLength));
        try
        {
            int filled = 0;
            scan = new ProtoScanner(body);
            while (true)
            {
                int start = scan.Consumed;
                if (!scan.Next(out int field, out int wireType, out var value)) break;
                if (IsPayload(field, wireType))
                {
                    int valueStart = scan.Consumed - value.Length;
                    if (ReadPayload(value, valueStart, shared) is { } block) (payloadBlocks ??= []).Add(block);
                }
                else
                {
                    body[start..scan.Consumed].CopyTo(rest.AsSpan(filled));
                    filled += scan.Consumed - start;
                }
            }
            try
            {
                pb = WireMessage.Parser.ParseFrom(rest.AsSpan(0, filled));
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new BitswapProtocolException($"malformed Bitswap protobuf: {e.Message}", e);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rest);
        }

        var message = new BitswapMessage { PendingBytes = Math.Max(0, pb.PendingBytes) };
        if (pb.Wantlist is { } wantlist)
        {
            message.Full = wantlist.Full;
            foreach (var e in wantlist.Entries)
            {
                var cid = ReadCid(e.Block.Span, "wantlist entry");
                if (cid.Hash.Code == MulticodecCode.Identity) continue; // inline data: nothing to fetch
                message.Wantlist.Add(new WantlistEntry(cid, e.Priority,
                    e.WantType == WireMessage.Types.Wantlist.Types.WantType.Have ? WantType.Have : WantType.Block,
                    e.Cancel, e.SendDontHave));
            }
        }
        foreach (var data in pb.Blocks)
        {
            CheckBlockSize(data.Length);
            message.Blocks.Add(Block.Compute(data.Memory, MulticodecCode.DagPb, version: 0));
        }
        if (payloadBlocks is not null) message.Blocks.AddRange(payloadBlocks);
        foreach (var p in pb.BlockPresences)
        {
            var cid = ReadCid(p.Cid.Span, "block presence");
            if (cid.Hash.Code == MulticodecCode.Identity) continue;
            message.BlockPresences.Add(new BlockPresence(cid,
                p.Type == WireMessage.Types.BlockPresenceType.DontHave ? BlockPresenceType.DontHave : BlockPresenceType.Have));
        }
        return message;
    }

    /// <summary>Field 3 (payload) as a length-delimited field; with another wire type the protobuf library would
    /// skip it as unknown, so it goes there.</summary>
    private static bool IsPayload(int field, int wireType) => field == 3 && wireType == 2;

    /// <summary>Length of a payload's data field (the last one, as protobuf keeps), without parsing the rest.</summary>
    private static int PayloadDataLength(ReadOnlySpan<byte> value)
    {
        var scan = new ProtoScanner(value);
        int length = 0;
        while (scan.Next(out int field, out int wireType, out var bytes))
        {
            if (field == 2 && wireType == 2) length = bytes.Length;
        }
        return length;
    }

    /// <summary>One <c>Block { bytes prefix = 1; bytes data = 2; }</c> at <paramref name="offset"/> in the body: the
    /// data is hashed to rebuild the CID and kept as a slice of <paramref name="shared"/> (a copy when empty). As in
    /// proto3, a repeated field's last value wins and unknown fields are skipped.</summary>
    private static Block? ReadPayload(ReadOnlySpan<byte> value, int offset, ReadOnlyMemory<byte> shared)
    {
        var scan = new ProtoScanner(value);
        ReadOnlySpan<byte> prefixBytes = default;
        int dataStart = 0, dataLength = 0;
        while (scan.Next(out int field, out int wireType, out var bytes))
        {
            if (wireType != 2) continue;
            if (field == 1) prefixBytes = bytes;
            else if (field == 2)
            {
                dataStart = scan.Consumed - bytes.Length;
                dataLength = bytes.Length;
            }
        }
        CheckBlockSize(dataLength);
        var prefix = BlockPrefix.Parse(prefixBytes);
        var data = shared.IsEmpty
            ? value.Slice(dataStart, dataLength).ToArray()
            : shared.Slice(offset + dataStart, dataLength);
        return prefix.Build(data);
    }

    private static void CheckBlockSize(int length)
    {
        if (length > BitswapLimits.MaxBlockSize)
            throw new BitswapProtocolException($"block of {length} bytes exceeds the {BitswapLimits.MaxBlockSize} byte limit");
    }

    private static Cid ReadCid(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.Length == 0) throw new BitswapProtocolException($"{what} has an empty CID");
        if (bytes.Length > BitswapLimits.MaxCidSize)
            throw new BitswapProtocolException($"{what} CID of {bytes.Length} bytes exceeds the {BitswapLimits.MaxCidSize} byte limit");
        try
        {
            return Cid.FromBytes(bytes);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or InvalidDataException)
        {
            throw new BitswapProtocolException($"{what} has an invalid CID: {e.Message}", e);
        }
    }

    /// <summary>Counts wantlist entries and blocks/presences before the protobuf library allocates an object
    /// for each: a 4 MiB message of empty entries would otherwise be two million objects.</summary>
    private static void CheckCounts(ReadOnlySpan<byte> body)
    {
        int items = 0;
        var top = new ProtoScanner(body);
        while (top.Next(out int field, out var value))
        {
            if (field == 1)
            {
                var wl = new ProtoScanner(value);
                int entries = 0;
                while (wl.Next(out int f, out _))
                {
                    if (f == 1 && ++entries > BitswapLimits.MaxWantlistEntriesPerMessage)
                        throw new BitswapProtocolException($"wantlist has more than {BitswapLimits.MaxWantlistEntriesPerMessage} entries");
                }
            }
            else if (field is 2 or 3 or 4 && ++items > BitswapLimits.MaxItemsPerMessage)
            {
                throw new BitswapProtocolException($"message has more than {BitswapLimits.MaxItemsPerMessage} blocks and presences");
            }
        }
    }

    /// <summary>Walks protobuf fields without allocating; length-delimited values are returned, others skipped.</summary>
    private ref struct ProtoScanner(ReadOnlySpan<byte> data)
    {
        private readonly int _length = data.Length;
        private ReadOnlySpan<byte> _rest = data;

        /// <summary>Bytes of the input already walked (the offset of the next field; after a length-delimited field, of
        /// the end of its value).</summary>
        public readonly int Consumed => _length - _rest.Length;

        public bool Next(out int field, out ReadOnlySpan<byte> value) => Next(out field, out _, out value);

        public bool Next(out int field, out int wireType, out ReadOnlySpan<byte> value)
        {
            value = default;
            field = 0;
            wireType = 0;
            if (_rest.IsEmpty) return false;
            ulong tag = ReadVarint();
            field = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0: ReadVarint(); break;
                case 1: Skip(8); break;
                case 5: Skip(4); break;
                case 2:
                    ulong length = ReadVarint();
                    if (length > (ulong)_rest.Length) throw new BitswapProtocolException("truncated protobuf field");
                    value = _rest[..(int)length];
                    _rest = _rest[(int)length..];
                    break;
                default: throw new BitswapProtocolException($"unsupported protobuf wire type {tag & 7}");
            }
            return true;
        }

        private void Skip(int n)
        {
            if (_rest.Length < n) throw new BitswapProtocolException("truncated protobuf field");
            _rest = _rest[n..];
        }

        private ulong ReadVarint()
        {
            ulong result = 0;
            for (int i = 0; i < 10; i++)
            {
                if (i >= _rest.Length) throw new BitswapProtocolException("truncated protobuf varint");
                byte b = _rest[i];
                result |= (ulong)(b & 0x7f) << (7 * i);
                if (b < 0x80)
                {
                    _rest = _rest[(i + 1)..];
                    return result;
                }
            }
            throw new BitswapProtocolException("protobuf varint longer than 10 bytes");
        }
    }
}
