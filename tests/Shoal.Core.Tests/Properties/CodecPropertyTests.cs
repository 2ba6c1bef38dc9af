using FsCheck;
using FsCheck.Xunit;

namespace Shoal.Core.Tests;

/// <summary>Round trips for every codec, and "random bytes never crash a parser": a parser either accepts
/// or raises its documented error type, nothing else.</summary>
public class CodecPropertyTests
{
    private const int Many = 500;

    private static bool OnlyFormatErrors(Action parse)
    {
        try
        {
            parse();
        }
        catch (FormatException)
        {
        }
        return true; // any other exception propagates and fails the property with its stack trace
    }

    [Property(MaxTest = Many)]
    public bool Varint_round_trips(ulong raw)
    {
        ulong value = raw >> 1; // 63 bits
        Span<byte> buf = stackalloc byte[Varint.MaxLength];
        int n = Varint.Write(buf, value);
        return Varint.Read(buf[..n], out int read) == value && read == n && n == Varint.SizeOf(value);
    }

    [Property(MaxTest = Many)]
    public bool Varint_random_bytes_never_crash(byte[] bytes)
        => OnlyFormatErrors(() => Varint.TryRead(bytes, out _, out _)) && OnlyFormatErrors(() => Varint.Read(bytes, out _));

    [Property(MaxTest = Many)]
    public bool Multihash_round_trips(byte[] data, byte pick)
    {
        ulong[] codes = [MulticodecCode.Identity, MulticodecCode.Sha2_256, MulticodecCode.Sha2_512, MulticodecCode.Blake3];
        var mh = Multihash.Sum(codes[pick % codes.Length], data);
        var back = Multihash.FromBytes(mh.Bytes.Span);
        return back.Equals(mh) && back.Matches(data) && back.GetHashCode() == mh.GetHashCode();
    }

    [Property(MaxTest = Many)]
    public bool Multihash_random_bytes_never_crash(byte[] bytes)
        => OnlyFormatErrors(() => Multihash.FromBytes(bytes)) && OnlyFormatErrors(() => Multihash.Read(bytes, out _));

    [Property(MaxTest = Many)]
    public bool Multibase_round_trips(byte[] data, byte pick)
    {
        var encodings = Enum.GetValues<MultibaseEncoding>();
        var e = encodings[pick % encodings.Length];
        return Multibase.Decode(Multibase.Encode(e, data)).AsSpan().SequenceEqual(data);
    }

    [Property(MaxTest = Many)]
    public bool Multibase_random_text_never_crashes(NonNull<string> text)
        => OnlyFormatErrors(() => Multibase.Decode(text.Get))
            && OnlyFormatErrors(() => Multibase.Decode("z" + text.Get))
            && OnlyFormatErrors(() => Multibase.Decode("b" + text.Get))
            && OnlyFormatErrors(() => Multibase.Decode("k" + text.Get))
            && OnlyFormatErrors(() => Multibase.Decode("m" + text.Get))
            && OnlyFormatErrors(() => Multibase.Decode("u" + text.Get))
            && OnlyFormatErrors(() => Multibase.Decode("f" + text.Get));

    [Property(MaxTest = Many)]
    public bool Cid_round_trips_through_text_and_bytes(byte[] data, byte pick, bool v0)
    {
        var cid = v0 ? Cid.Compute(0, MulticodecCode.DagPb, data) : Cid.Compute(1, pick % 2 == 0 ? MulticodecCode.Raw : MulticodecCode.DagCbor, data);
        bool ok = Cid.Parse(cid.ToString()).Equals(cid) && Cid.FromBytes(cid.Bytes.Span).Equals(cid);
        if (!v0)
        {
            foreach (var e in Enum.GetValues<MultibaseEncoding>()) ok &= Cid.Parse(cid.ToString(e)).Equals(cid);
        }
        return ok;
    }

    [Property(MaxTest = Many)]
    public bool Cid_random_bytes_and_text_never_crash(byte[] bytes, NonNull<string> text)
        => OnlyFormatErrors(() => Cid.FromBytes(bytes))
            && OnlyFormatErrors(() => Cid.Read(bytes, out _))
            && OnlyFormatErrors(() => Cid.Parse(text.Get))
            && OnlyFormatErrors(() => Cid.Parse("b" + text.Get))
            && OnlyFormatErrors(() => Cid.Parse("Qm" + text.Get))
            && OnlyFormatErrors(() => Cid.Parse(Multibase.Encode(MultibaseEncoding.Base32Lower, bytes)));

    [Property(MaxTest = Many)]
    public bool Cid_with_corrupted_prefix_never_crashes(byte[] data, byte position, byte value)
    {
        var bytes = Cid.Compute(1, MulticodecCode.DagPb, data).Bytes.ToArray();
        bytes[position % bytes.Length] = value;
        return OnlyFormatErrors(() => Cid.FromBytes(bytes));
    }

    [Property(MaxTest = Many)]
    public bool DagPb_round_trips(byte[][] linkSeeds, NonNull<string>[] names, byte[]? data, ulong[] tsizes)
    {
        var links = new List<DagPbLink>();
        for (int i = 0; i < linkSeeds.Length; i++)
        {
            var hash = Cid.Compute(i % 2 == 0 ? 1 : 0, MulticodecCode.DagPb, linkSeeds[i] ?? []);
            string? name = i < names.Length ? ValidUtf16(names[i].Get) : null;
            ulong? tsize = i < tsizes.Length ? tsizes[i] >> 1 : null;
            links.Add(new DagPbLink(hash, name, tsize));
        }
        var node = new DagPbNode(links, data is null ? null : (ReadOnlyMemory<byte>?)data);
        var bytes = DagPb.Encode(node);
        var back = DagPb.Decode(bytes);
        return DagPb.Encode(back).AsSpan().SequenceEqual(bytes)
            && back.Links.Count == links.Count
            && back.Data.HasValue == node.Data.HasValue
            && back.Links.Select(l => l.Name).SequenceEqual(links.Select(l => l.Name));
    }

    private static string ValidUtf16(string s)
    {
        // Lone surrogates cannot round-trip through UTF-8; DAG-PB names are UTF-8 on the wire.
        var chars = s.ToCharArray();
        for (int i = 0; i < chars.Length; i++) if (char.IsSurrogate(chars[i])) chars[i] = '?';
        return new string(chars);
    }

    /// <summary>The decoder is strict, so anything it accepts is canonical: it re-encodes to the same bytes.</summary>
    [Property(MaxTest = 2000)]
    public bool DagPb_random_bytes_never_crash_and_accepted_bytes_are_canonical(byte[] bytes)
    {
        DagPbNode node;
        try
        {
            node = DagPb.Decode(bytes);
        }
        catch (FormatException)
        {
            return true;
        }
        return DagPb.Encode(node).AsSpan().SequenceEqual(bytes);
    }

    [Property(MaxTest = Many)]
    public bool DagPb_mutated_valid_blocks_never_crash(byte[] data, byte position, byte value)
    {
        var hash = Cid.Compute(1, MulticodecCode.Raw, data);
        var bytes = DagPb.Encode(new DagPbNode([new DagPbLink(hash, "", (ulong)data.Length)], new UnixFsData { Type = UnixFsType.File, FileSize = 1, BlockSizes = [1] }.Encode()));
        bytes[position % bytes.Length] = value;
        return OnlyFormatErrors(() => DagPb.Decode(bytes));
    }

    [Property(MaxTest = Many)]
    public bool UnixFsData_random_bytes_never_crash(byte[] bytes)
        => OnlyFormatErrors(() => UnixFsData.Decode(bytes));

    [Property(MaxTest = Many)]
    public bool UnixFsData_round_trips(byte type, byte[]? data, ulong? fileSize, ulong[] blockSizes)
    {
        var u = new UnixFsData
        {
            Type = (UnixFsType)(type % 6),
            Data = data is null ? null : (ReadOnlyMemory<byte>?)data,
            FileSize = fileSize >> 1,
            BlockSizes = blockSizes.Select(b => b >> 1).ToArray(),
        };
        var bytes = u.Encode();
        return UnixFsData.Decode(bytes).Encode().AsSpan().SequenceEqual(bytes);
    }

    [Property(MaxTest = Many)]
    public bool Car_random_bytes_never_crash(byte[] bytes, bool withValidHeader)
    {
        var input = bytes;
        if (withValidHeader)
        {
            var header = new MemoryStream();
            CarWriter.CreateAsync(header, [Cid.Compute(1, MulticodecCode.Raw, "root"u8)]).GetAwaiter().GetResult();
            input = header.ToArray().Concat(bytes).ToArray();
        }
        try
        {
            ReadAllAsync(input).GetAwaiter().GetResult();
        }
        catch (InvalidDataException)
        {
        }
        return true;
    }

    [Property(MaxTest = 200)]
    public bool Car_round_trips_blocks(byte[][] payloads)
    {
        var blocks = payloads.Select(p => Block.Compute(p ?? [])).ToList();
        var ms = new MemoryStream();
        var root = Cid.Compute(1, MulticodecCode.Raw, "root"u8);
        var writer = CarWriter.CreateAsync(ms, [root]).GetAwaiter().GetResult();
        foreach (var b in blocks) writer.WriteAsync(b).AsTask().GetAwaiter().GetResult();
        var (roots, read) = ReadAllAsync(ms.ToArray()).GetAwaiter().GetResult();
        return roots.Single().Equals(root)
            && read.Select(b => b.Cid).SequenceEqual(blocks.Select(b => b.Cid))
            && read.Zip(blocks).All(p => p.First.Data.Span.SequenceEqual(p.Second.Data.Span));
    }

    private static async Task<(IReadOnlyList<Cid> Roots, List<Block> Blocks)> ReadAllAsync(byte[] bytes)
    {
        await using var car = await CarReader.OpenAsync(new MemoryStream(bytes));
        var blocks = new List<Block>();
        await foreach (var b in car.ReadBlocksAsync()) blocks.Add(b);
        return (car.Roots, blocks);
    }
}
