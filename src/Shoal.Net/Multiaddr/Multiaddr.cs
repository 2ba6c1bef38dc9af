using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Shoal.Core;

namespace Shoal.Net;

/// <summary>One protocol/value pair of a multiaddr.</summary>
public readonly record struct MultiaddrComponent(MultiaddrProtocol Protocol, ReadOnlyMemory<byte> Value)
{
    /// <summary>The value in text form (address, port, name, peer id), empty for value-less protocols.</summary>
    public string ValueText => Multiaddr.FormatValue(Protocol, Value.Span);
}

/// <summary>A self-describing network address (multiformats/multiaddr), in binary and text form.</summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    /// <summary>Upper bound for a binary multiaddr; real ones are under 100 bytes, the DHT and identify carry many, so we refuse pathological ones.</summary>
    public const int MaxBinaryLength = 1024;
    /// <summary>Longest DNS name (RFC 1035) and bound for other variable values.</summary>
    public const int MaxVariableValueLength = 255;

    private readonly MultiaddrComponent[] _components;
    private readonly byte[] _bytes;

    private Multiaddr(MultiaddrComponent[] components, byte[] bytes) { _components = components; _bytes = bytes; }

    public IReadOnlyList<MultiaddrComponent> Components => _components;

    /// <summary>The peer id of the last <c>/p2p/</c> component, if any.</summary>
    public PeerId? PeerId
    {
        get
        {
            for (int i = _components.Length - 1; i >= 0; i--)
                if (_components[i].Protocol == MultiaddrProtocol.P2p) return Net.PeerId.FromBytes(_components[i].Value.Span);
            return null;
        }
    }

    public static Multiaddr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text[0] != '/') throw new FormatException($"Multiaddr '{text}' must start with '/'.");
        var parts = text.Split('/');
        var components = new List<MultiaddrComponent>();
        int i = 1;
        // A trailing slash leaves an empty last part; tolerate it as go does.
        int end = parts[^1].Length == 0 ? parts.Length - 1 : parts.Length;
        if (end <= 1) throw new FormatException($"Multiaddr '{text}' has no components.");
        while (i < end)
        {
            string name = parts[i++];
            if (!MultiaddrProtocol.TryGetByName(name, out var protocol) || protocol is null)
                throw new FormatException($"Multiaddr '{text}': unknown protocol '{name}'.");
            if (protocol.SizeBytes == 0) { components.Add(new(protocol, ReadOnlyMemory<byte>.Empty)); continue; }
            if (i >= end) throw new FormatException($"Multiaddr '{text}': protocol '{name}' needs a value.");
            components.Add(new(protocol, ParseValue(protocol, parts[i++], text)));
        }
        return Create(components);
    }

    public static bool TryParse(string? text, out Multiaddr? address)
    {
        address = null;
        if (text is null) return false;
        try { address = Parse(text); return true; }
        catch (FormatException) { return false; }
    }

    public static Multiaddr FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) throw new FormatException("Empty binary multiaddr.");
        if (bytes.Length > MaxBinaryLength) throw new FormatException($"Binary multiaddr of {bytes.Length} bytes exceeds {MaxBinaryLength}.");
        var components = new List<MultiaddrComponent>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (!Varint.TryRead(bytes[offset..], out ulong code, out int n)) throw new FormatException($"Binary multiaddr truncated in a protocol code at byte {offset}.");
            if (!MultiaddrProtocol.TryGetByCode(code, out var protocol) || protocol is null)
                throw new FormatException($"Binary multiaddr: unknown protocol code 0x{code:x} at byte {offset}.");
            offset += n;
            int size = protocol.SizeBytes;
            if (size == MultiaddrProtocol.VariableSize)
            {
                if (!Varint.TryRead(bytes[offset..], out ulong len, out n)) throw new FormatException($"Binary multiaddr truncated in the length of '{protocol.Name}'.");
                if (len > MaxVariableValueLength) throw new FormatException($"'{protocol.Name}' value of {len} bytes exceeds {MaxVariableValueLength}.");
                offset += n;
                size = (int)len;
            }
            if (bytes.Length - offset < size) throw new FormatException($"Binary multiaddr truncated in the value of '{protocol.Name}' (need {size} bytes, have {bytes.Length - offset}).");
            var value = bytes.Slice(offset, size).ToArray();
            offset += size;
            ValidateBinaryValue(protocol, value);
            components.Add(new(protocol, value));
        }
        return new Multiaddr(components.ToArray(), bytes.ToArray());
    }

    public static Multiaddr Create(IEnumerable<MultiaddrComponent> components)
    {
        var list = components.ToArray();
        if (list.Length == 0) throw new FormatException("A multiaddr needs at least one component.");
        using var ms = new MemoryStream();
        Span<byte> tmp = stackalloc byte[Varint.MaxLength];
        foreach (var c in list)
        {
            ms.Write(tmp[..Varint.Write(tmp, c.Protocol.Code)]);
            if (c.Protocol.SizeBytes == MultiaddrProtocol.VariableSize) ms.Write(tmp[..Varint.Write(tmp, (ulong)c.Value.Length)]);
            else if (c.Value.Length != c.Protocol.SizeBytes) throw new FormatException($"'{c.Protocol.Name}' value must be {c.Protocol.SizeBytes} bytes.");
            ms.Write(c.Value.Span);
        }
        return new Multiaddr(list, ms.ToArray());
    }

    public byte[] ToBytes() => (byte[])_bytes.Clone();
    public ReadOnlySpan<byte> AsSpan() => _bytes;

    public Multiaddr WithoutPeerId()
    {
        if (_components.Length > 0 && _components[^1].Protocol == MultiaddrProtocol.P2p && _components.Length > 1)
            return Create(_components[..^1]);
        return this;
    }

    public Multiaddr WithPeerId(PeerId peer)
    {
        var bare = WithoutPeerId();
        return Create([.. bare._components, new MultiaddrComponent(MultiaddrProtocol.P2p, peer.Bytes.ToArray())]);
    }

    /// <summary>The TCP endpoint of an <c>/ip4|ip6/…/tcp/…</c> address (further components allowed), else null.</summary>
    public IPEndPoint? ToTcpEndPoint()
    {
        if (_components.Length < 2 || _components[1].Protocol != MultiaddrProtocol.Tcp) return null;
        var first = _components[0];
        if (first.Protocol != MultiaddrProtocol.Ip4 && first.Protocol != MultiaddrProtocol.Ip6) return null;
        return new IPEndPoint(new IPAddress(first.Value.Span), BinaryPrimitives.ReadUInt16BigEndian(_components[1].Value.Span));
    }

    public static Multiaddr FromTcpEndPoint(IPEndPoint endPoint)
    {
        var ip = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        var port = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(port, (ushort)endPoint.Port);
        var proto = ip.AddressFamily == AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6;
        return Create([new(proto, ip.GetAddressBytes()), new(MultiaddrProtocol.Tcp, port)]);
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var c in _components)
        {
            sb.Append('/').Append(c.Protocol.Name);
            if (c.Protocol.SizeBytes != 0) sb.Append('/').Append(FormatValue(c.Protocol, c.Value.Span));
        }
        return sb.ToString();
    }

    public bool Equals(Multiaddr? other) => other is not null && other._bytes.AsSpan().SequenceEqual(_bytes);
    public override bool Equals(object? obj) => Equals(obj as Multiaddr);
    public override int GetHashCode() { var h = new HashCode(); h.AddBytes(_bytes); return h.ToHashCode(); }

    private static byte[] ParseValue(MultiaddrProtocol protocol, string value, string text)
    {
        switch (protocol.Name)
        {
            case "ip4":
                if (!IPAddress.TryParse(value, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork || value.Count(ch => ch == '.') != 3)
                    throw new FormatException($"Multiaddr '{text}': '{value}' is not an IPv4 address.");
                return v4.GetAddressBytes();
            case "ip6":
                if (!IPAddress.TryParse(value, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6 || v6.ScopeId != 0)
                    throw new FormatException($"Multiaddr '{text}': '{value}' is not an IPv6 address.");
                return v6.GetAddressBytes();
            case "tcp":
            case "udp":
                if (!ushort.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ushort port))
                    throw new FormatException($"Multiaddr '{text}': '{value}' is not a port (0-65535).");
                var p = new byte[2];
                BinaryPrimitives.WriteUInt16BigEndian(p, port);
                return p;
            case "memory":
                if (!ulong.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong id))
                    throw new FormatException($"Multiaddr '{text}': '{value}' is not a memory id (unsigned 64-bit).");
                var m = new byte[8];
                BinaryPrimitives.WriteUInt64BigEndian(m, id);
                return m;
            case "p2p":
                try { return Net.PeerId.Parse(value).Bytes.ToArray(); }
                catch (FormatException e) { throw new FormatException($"Multiaddr '{text}': '{value}' is not a peer id: {e.Message}", e); }
            default:
                if (value.Length == 0) throw new FormatException($"Multiaddr '{text}': empty value for '{protocol.Name}'.");
                var bytes = Encoding.UTF8.GetBytes(value);
                if (bytes.Length > MaxVariableValueLength) throw new FormatException($"Multiaddr '{text}': '{protocol.Name}' value longer than {MaxVariableValueLength} bytes.");
                return bytes;
        }
    }

    private static void ValidateBinaryValue(MultiaddrProtocol protocol, byte[] value)
    {
        if (protocol == MultiaddrProtocol.P2p) Net.PeerId.FromBytes(value);
        else if (protocol.SizeBytes == MultiaddrProtocol.VariableSize)
        {
            if (value.Length == 0) throw new FormatException($"Empty '{protocol.Name}' value.");
            try { new UTF8Encoding(false, true).GetString(value); }
            catch (DecoderFallbackException e) { throw new FormatException($"'{protocol.Name}' value is not UTF-8.", e); }
        }
    }

    internal static string FormatValue(MultiaddrProtocol protocol, ReadOnlySpan<byte> value) => protocol.Name switch
    {
        "ip4" or "ip6" => new IPAddress(value).ToString(),
        "tcp" or "udp" => BinaryPrimitives.ReadUInt16BigEndian(value).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "memory" => BinaryPrimitives.ReadUInt64BigEndian(value).ToString(System.Globalization.CultureInfo.InvariantCulture),
        "p2p" => Net.PeerId.FromBytes(value).ToString(),
        _ when protocol.SizeBytes == 0 => "",
        _ => Encoding.UTF8.GetString(value),
    };
}
