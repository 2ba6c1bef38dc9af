using System.Net;
using System.Net.Sockets;
using Shoal.Net;

namespace Shoal.Dht;

/// <summary>
/// Which addresses the DHT hands out and accepts. On the public DHT private and loopback addresses are noise (and
/// a way to make peers dial into LANs); a datacenter or test cluster lives on them, so they can be allowed.
/// </summary>
public sealed class AddressPolicy
{
    public static readonly AddressPolicy PublicOnly = new(allowPrivate: false);

    public static readonly AddressPolicy AllowPrivate = new(allowPrivate: true);

    private AddressPolicy(bool allowPrivate) => AllowsPrivate = allowPrivate;

    public bool AllowsPrivate { get; }

    public bool Allows(Multiaddr address) => AllowsPrivate || IsPublic(address);

    /// <summary>The allowed subset (the same list when nothing is filtered).</summary>
    public IReadOnlyList<Multiaddr> Filter(IReadOnlyList<Multiaddr> addresses)
    {
        if (AllowsPrivate) return addresses;
        List<Multiaddr>? kept = null;
        for (int i = 0; i < addresses.Count; i++)
        {
            if (IsPublic(addresses[i]))
            {
                kept?.Add(addresses[i]);
            }
            else if (kept is null)
            {
                kept = new List<Multiaddr>(addresses.Count);
                for (int j = 0; j < i; j++) kept.Add(addresses[j]);
            }
        }
        return kept ?? addresses;
    }

    /// <summary>True for DNS names and globally routable IP addresses.</summary>
    public static bool IsPublic(Multiaddr address)
    {
        string text = address.ToString();
        // "/ip4/1.2.3.4/tcp/4001" -> protocol "ip4", value "1.2.3.4"
        var parts = text.Split('/', 4, StringSplitOptions.None);
        if (parts.Length < 3) return false;
        switch (parts[1])
        {
            case "dns":
            case "dns4":
            case "dns6":
            case "dnsaddr":
                return !parts[2].Equals("localhost", StringComparison.OrdinalIgnoreCase);
            case "ip4":
            case "ip6":
                return IPAddress.TryParse(parts[2], out var ip) && IsPublic(ip);
            default:
                return false;
        }
    }

    private static bool IsPublic(IPAddress ip)
    {
        if (IPAddress.IsLoopback(ip) || ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)) return false;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            ip.TryWriteBytes(b, out _);
            return !(b[0] == 10
                || (b[0] == 172 && (b[1] & 0xf0) == 16)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && (b[1] & 0xc0) == 64)
                || b[0] == 0);
        }
        return !(ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal || ip.IsIPv6Multicast);
    }
}
