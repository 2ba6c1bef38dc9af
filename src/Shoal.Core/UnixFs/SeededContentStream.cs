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
        Span<uint> x = stackalloc uint[16];
        _state.CopyTo(x);
        for (int round = 0; round < 10; round++)
        {
            Quarter(x, 0, 4, 8, 12); Quarter(x, 1, 5, 9, 13); Quarter(x, 2, 6, 10, 14); Quarter(x, 3, 7, 11, 15);
            Quarter(x, 0, 5, 10, 15); Quarter(x, 1, 6, 11, 12); Quarter(x, 2, 7, 8, 13); Quarter(x, 3, 4, 9, 14);
        }
        for (int i = 0; i < 16; i++) BinaryPrimitives.WriteUInt32LittleEndian(_block.AsSpan(4 * i), x[i] + _state[i]);
        _state[12]++;
        _blockOffset = 0;
    }

    private static void Quarter(Span<uint> x, int a, int b, int c, int d)
    {
        x[a] += x[b]; x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d]; x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b]; x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d]; x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 7);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
