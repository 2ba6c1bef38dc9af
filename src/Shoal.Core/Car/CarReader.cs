using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Shoal.Core;

/// <summary>Reads a CARv1 (or the CARv1 payload of a CARv2), verifying every block against its CID.
/// Malformed input raises <see cref="InvalidDataException"/> saying what and at which byte offset.</summary>
public sealed class CarReader : IAsyncDisposable
{
    /// <summary>Header size limit; a header only lists roots, so 1 MiB (~27k CIDs) is far beyond real use.</summary>
    public const int MaxHeaderLength = 1024 * 1024;

    /// <summary>Section size limit (CID + block); go-car's default is 8 MiB, well above any Bitswap block.</summary>
    public const int MaxSectionLength = 8 * 1024 * 1024;

    /// <summary>CARv2 fixed header after the pragma: characteristics(16), data offset, data size, index offset (u64 LE each).</summary>
    private const int V2HeaderLength = 40;

    private readonly PipeReader _reader;
    private long _position;
    private long _limit = long.MaxValue;

    private CarReader(PipeReader reader, IReadOnlyList<Cid> roots, int version)
    {
        _reader = reader;
        Roots = roots;
        Version = version;
    }

    public IReadOnlyList<Cid> Roots { get; private set; }

    /// <summary>1 for CARv1, 2 for a CARv2 whose inner CARv1 is read.</summary>
    public int Version { get; private set; }

    /// <summary>Reads the header. The stream is left open.</summary>
    public static async Task<CarReader> OpenAsync(Stream input, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pipe = PipeReader.Create(input, new StreamPipeReaderOptions(leaveOpen: true));
        var car = new CarReader(pipe, [], 1);
        try
        {
            var header = await car.ReadFrameAsync(MaxHeaderLength, "header", ct).ConfigureAwait(false)
                ?? throw new InvalidDataException("CAR is empty: no header");
            var (version, roots) = CarHeaderCodec.Decode(header);
            if (version == 2)
            {
                var v2 = await car.ReadExactAsync(V2HeaderLength, ct).ConfigureAwait(false);
                long dataOffset = checked((long)BitConverter.ToUInt64(v2, 16));
                long dataSize = checked((long)BitConverter.ToUInt64(v2, 24));
                if (dataOffset < car._position || dataSize < 0) throw new InvalidDataException("CARv2 header: data offset before the header end");
                await car.SkipAsync(dataOffset - car._position, ct).ConfigureAwait(false);
                car._limit = checked(dataOffset + dataSize);
                var inner = await car.ReadFrameAsync(MaxHeaderLength, "inner header", ct).ConfigureAwait(false)
                    ?? throw new InvalidDataException("CARv2: payload has no CARv1 header");
                var (innerVersion, innerRoots) = CarHeaderCodec.Decode(inner);
                if (innerVersion != 1) throw new InvalidDataException($"CARv2: inner header version {innerVersion}, expected 1");
                car.Roots = innerRoots;
                car.Version = 2;
                return car;
            }
            if (version != 1) throw new InvalidDataException($"CAR header: unsupported version {version}");
            car.Roots = roots;
            return car;
        }
        catch (OverflowException)
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
            throw new InvalidDataException("CARv2 header: offsets out of range");
        }
        catch
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Each block in file order, hash-verified (<see cref="InvalidDataException"/> on a mismatch).</summary>
    public async IAsyncEnumerable<Block> ReadBlocksAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        while (true)
        {
            long sectionOffset = _position;
            var section = await ReadFrameAsync(MaxSectionLength, "section", ct).ConfigureAwait(false);
            if (section is null) yield break;
            Cid cid;
            int cidLength;
            try
            {
                cid = Cid.Read(section, out cidLength);
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"CAR section at offset {sectionOffset}: invalid CID: {e.Message}", e);
            }
            Block block;
            try
            {
                block = Block.Create(cid, section.AsMemory(cidLength));
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"CAR section at offset {sectionOffset}: {e.Message}", e);
            }
            yield return block;
        }
    }

    /// <summary>Stores every block of a CAR into <paramref name="store"/>; returns the roots and the block count.</summary>
    public static async Task<(IReadOnlyList<Cid> Roots, long Blocks)> ImportAsync(Stream input, IBlockStore store, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var car = await OpenAsync(input, ct).ConfigureAwait(false);
        long count = 0;
        await foreach (var block in car.ReadBlocksAsync(ct).ConfigureAwait(false))
        {
            await store.PutAsync(block, ct).ConfigureAwait(false);
            count++;
        }
        return (car.Roots, count);
    }

    /// <summary>Reads one varint-length-prefixed frame; null at a clean end of input.</summary>
    private async ValueTask<byte[]?> ReadFrameAsync(int max, string what, CancellationToken ct)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            long remainingInPayload = _limit - _position;
            if (buffer.Length > remainingInPayload) buffer = buffer.Slice(0, remainingInPayload);
            bool ended = result.IsCompleted || buffer.Length == remainingInPayload;
            if (buffer.IsEmpty && ended)
            {
                _reader.AdvanceTo(result.Buffer.Start);
                return null;
            }
            var reader = new SequenceReader<byte>(buffer);
            ulong length;
            try
            {
                if (!Varint.TryRead(ref reader, out length))
                {
                    if (ended) throw new InvalidDataException($"CAR {what} at offset {_position}: truncated length prefix");
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"CAR {what} at offset {_position}: bad length prefix: {e.Message}", e);
            }
            if (length == 0) throw new InvalidDataException($"CAR {what} at offset {_position}: zero length");
            if (length > (ulong)max) throw new InvalidDataException($"CAR {what} at offset {_position}: length {length} exceeds {max}");
            if (reader.Remaining < (long)length)
            {
                if (ended)
                    throw new InvalidDataException($"CAR {what} at offset {_position}: truncated, {length} bytes announced, {reader.Remaining} present");
                _reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            var frame = new byte[length];
            reader.UnreadSequence.Slice(0, (long)length).CopyTo(frame);
            var consumed = buffer.GetPosition(reader.Consumed + (long)length);
            _position += reader.Consumed + (long)length;
            _reader.AdvanceTo(consumed);
            return frame;
        }
    }

    private async ValueTask<byte[]> ReadExactAsync(int count, CancellationToken ct)
    {
        var result = await _reader.ReadAtLeastAsync(count, ct).ConfigureAwait(false);
        if (result.Buffer.Length < count) throw new InvalidDataException($"CAR truncated at offset {_position}");
        var bytes = result.Buffer.Slice(0, count).ToArray();
        _reader.AdvanceTo(result.Buffer.GetPosition(count));
        _position += count;
        return bytes;
    }

    private async ValueTask SkipAsync(long count, CancellationToken ct)
    {
        while (count > 0)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            long take = Math.Min(count, result.Buffer.Length);
            _reader.AdvanceTo(result.Buffer.GetPosition(take));
            count -= take;
            _position += take;
            if (count > 0 && result.IsCompleted) throw new InvalidDataException("CARv2: data offset beyond the end of the file");
        }
    }

    public async ValueTask DisposeAsync() => await _reader.CompleteAsync().ConfigureAwait(false);
}
