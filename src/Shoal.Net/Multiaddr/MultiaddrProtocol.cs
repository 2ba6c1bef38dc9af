namespace Shoal.Net;

/// <summary>One multiaddr protocol from the multicodec table: its name, code and value size.</summary>
public sealed class MultiaddrProtocol
{
    /// <summary>Value size marking a length-prefixed (variable) value.</summary>
    public const int VariableSize = -1;

    private MultiaddrProtocol(string name, ulong code, int sizeBytes) { Name = name; Code = code; SizeBytes = sizeBytes; }

    public string Name { get; }
    public ulong Code { get; }
    /// <summary>Fixed value size in bytes, 0 for no value, <see cref="VariableSize"/> for a varint-prefixed value.</summary>
    public int SizeBytes { get; }

    public static readonly MultiaddrProtocol Ip4 = new("ip4", 0x04, 4);
    public static readonly MultiaddrProtocol Tcp = new("tcp", 0x06, 2);
    public static readonly MultiaddrProtocol Ip6 = new("ip6", 0x29, 16);
    public static readonly MultiaddrProtocol Ip6Zone = new("ip6zone", 0x2a, VariableSize);
    public static readonly MultiaddrProtocol Dns = new("dns", 0x35, VariableSize);
    public static readonly MultiaddrProtocol Dns4 = new("dns4", 0x36, VariableSize);
    public static readonly MultiaddrProtocol Dns6 = new("dns6", 0x37, VariableSize);
    public static readonly MultiaddrProtocol DnsAddr = new("dnsaddr", 0x38, VariableSize);
    public static readonly MultiaddrProtocol Udp = new("udp", 0x0111, 2);
    public static readonly MultiaddrProtocol P2pCircuit = new("p2p-circuit", 0x0122, 0);
    public static readonly MultiaddrProtocol P2p = new("p2p", 0x01a5, VariableSize);
    public static readonly MultiaddrProtocol Tls = new("tls", 0x01c0, 0);
    public static readonly MultiaddrProtocol Sni = new("sni", 0x01c1, VariableSize);
    public static readonly MultiaddrProtocol Quic = new("quic", 0x01cc, 0);
    public static readonly MultiaddrProtocol QuicV1 = new("quic-v1", 0x01cd, 0);
    public static readonly MultiaddrProtocol WebTransport = new("webtransport", 0x01d1, 0);
    public static readonly MultiaddrProtocol Ws = new("ws", 0x01dd, 0);
    public static readonly MultiaddrProtocol Wss = new("wss", 0x01de, 0);
    /// <summary>In-process connections (<see cref="MemoryTransport"/>): the multicodec <c>memory</c> code rust-libp2p uses, a 64-bit big-endian id.</summary>
    public static readonly MultiaddrProtocol Memory = new("memory", 0x0309, 8);

    private static readonly MultiaddrProtocol[] All = [Ip4, Tcp, Ip6, Ip6Zone, Dns, Dns4, Dns6, DnsAddr, Udp, P2pCircuit, P2p, Tls, Sni, Quic, QuicV1, WebTransport, Ws, Wss, Memory];
    private static readonly Dictionary<string, MultiaddrProtocol> ByName = BuildByName();
    private static readonly Dictionary<ulong, MultiaddrProtocol> ByCode = All.ToDictionary(p => p.Code);

    private static Dictionary<string, MultiaddrProtocol> BuildByName()
    {
        var d = All.ToDictionary(p => p.Name, StringComparer.Ordinal);
        d["ipfs"] = P2p; // legacy alias, same code
        return d;
    }

    public static bool TryGetByName(string name, out MultiaddrProtocol? protocol) => ByName.TryGetValue(name, out protocol);
    public static bool TryGetByCode(ulong code, out MultiaddrProtocol? protocol) => ByCode.TryGetValue(code, out protocol);
    public override string ToString() => Name;
}
