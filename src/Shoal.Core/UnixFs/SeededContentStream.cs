using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Shoal.Core;

/// <summary>Reproducible pseudo-random content from a seed: the ChaCha20 keystream (RFC 8439, zero nonce,
/// counter from 0) keyed by SHA-256 of the seed text. It is the generator behind Kubo's and Helia's IPIP-0499
/// fixtures, so tests, benchmarks, the CLI demo and Lab scenarios can make files whose CIDs are known.</summary>
public sealed class SeededContentStream : Stream
{
    /// <summary>RFC 8439's 32-bit block counter covers 2^32 blocks of 64 bytes (256 GiB).</summary>
    public const long MaxLength = (1L << 32) * 64;

    private readonly uint[] _state = new uint[16];
    private readonly byte[] _block = new byte[64];
    private readonly long _length;
    private long _position;
    private int _blockOffset = 64;

    public SeededContentStream(string seed, long length)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        _length = length;
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        _state[0] = 0x61707865; _state[1] = 0x3320646e; _state[2] = 0x79622d32; _state[3] = 0x6b206574;
        for (int i = 0; i < 8; i++) _state[4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(4 * i));
        // _state[12] is the block counter, _state[13..15] the zero nonce.
    }

    /// <summary>The first <paramref name="length"/> bytes for <paramref name="seed"/>.</summary>
    public static byte[] Bytes(string seed, int length)
    {
        var data = new byte[length];
        using var s = new SeededContentStream(seed, length);
        s.ReadExactly(data);
        return data;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, _length - _position);
        for (int i = 0; i < n;)
        {
            if (_blockOffset == 64 && n - i >= 64)
            {
                KeystreamBlock(_state, buffer.Slice(i, 64));
                _state[12]++;
                i += 64;
                continue;
            }
            if (_blockOffset == 64) NextBlock();
            int take = Math.Min(64 - _blockOffset, n - i);
            _block.AsSpan(_blockOffset, take).CopyTo(buffer[i..]);
            _blockOffset += take;
            i += take;
        }
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    private void NextBlock()
    {
        KeystreamBlock(_state, _block);
        _state[12]++;
        _blockOffset = 0;
    }

    /// <summary>One ChaCha20 block (20 rounds) with the state in locals so the JIT keeps it in registers.</summary>
    private static void KeystreamBlock(uint[] state, Span<byte> output)
    {
        uint x0 = state[0], x1 = state[1], x2 = state[2], x3 = state[3], x4 = state[4], x5 = state[5], x6 = state[6], x7 = state[7];
        uint x8 = state[8], x9 = state[9], x10 = state[10], x11 = state[11], x12 = state[12], x13 = state[13], x14 = state[14], x15 = state[15];
        for (int round = 0; round < 10; round++)
        {
            Quarter(ref x0, ref x4, ref x8, ref x12); Quarter(ref x1, ref x5, ref x9, ref x13);
            Quarter(ref x2, ref x6, ref x10, ref x14); Quarter(ref x3, ref x7, ref x11, ref x15);
            Quarter(ref x0, ref x5, ref x10, ref x15); Quarter(ref x1, ref x6, ref x11, ref x12);
            Quarter(ref x2, ref x7, ref x8, ref x13); Quarter(ref x3, ref x4, ref x9, ref x14);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(output, x0 + state[0]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], x1 + state[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[8..], x2 + state[2]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[12..], x3 + state[3]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], x4 + state[4]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], x5 + state[5]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], x6 + state[6]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], x7 + state[7]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[32..], x8 + state[8]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[36..], x9 + state[9]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[40..], x10 + state[10]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[44..], x11 + state[11]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[48..], x12 + state[12]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[52..], x13 + state[13]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[56..], x14 + state[14]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[60..], x15 + state[15]);
    }

    private static void Quarter(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d = BitOperations.RotateLeft(d ^ a, 16);
        c += d; b = BitOperations.RotateLeft(b ^ c, 12);
        a += b; d = BitOperations.RotateLeft(d ^ a, 8);
        c += d; b = BitOperations.RotateLeft(b ^ c, 7);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
