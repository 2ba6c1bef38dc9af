using System.Globalization;
using System.Net;

namespace Shoal.Node;

/// <summary>
/// A TCP listen address for the API, gateway or registry mirror, written either as <c>host:port</c>
/// (<c>127.0.0.1:5001</c>, <c>[::1]:0</c>) or as Kubo writes it, a multiaddr (<c>/ip4/127.0.0.1/tcp/5001</c>).
/// </summary>
public sealed record ListenEndpoint(IPAddress Address, int Port)
{
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static ListenEndpoint Parse(string text)
    {
        if (!TryParse(text, out var endpoint, out var error)) throw new FormatException(error);
        return endpoint!;
    }

    public static bool TryParse(string text, out ListenEndpoint? endpoint, out string error)
    {
        endpoint = null;
        text = text.Trim();
        string host, portText;
        if (text.StartsWith('/'))
        {
            var parts = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 4 || parts[0] is not ("ip4" or "ip6" or "dns" or "dns4" or "dns6") || parts[2] != "tcp")
            {
                error = $"'{text}' is not a /ip4|ip6|dns/HOST/tcp/PORT multiaddr";
                return false;
            }
            host = parts[1];
            portText = parts[3];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon <= 0)
            {
                error = $"'{text}' is not HOST:PORT (e.g. 127.0.0.1:5001) nor a multiaddr (/ip4/127.0.0.1/tcp/5001)";
                return false;
            }
            host = text[..colon].Trim('[', ']');
            portText = text[(colon + 1)..];
        }
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{portText}' in '{text}' is not a TCP port (0-65535)";
            return false;
        }
        IPAddress? address;
        if (host is "localhost") address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(host, out address))
        {
            error = $"'{host}' in '{text}' is not an IP address (use 127.0.0.1, 0.0.0.0, ::1 or localhost)";
            return false;
        }
        endpoint = new ListenEndpoint(address, port);
        error = "";
        return true;
    }

    /// <summary>The multiaddr form Kubo writes into the repository's <c>api</c> file.</summary>
    public string ToMultiaddr() =>
        $"/{(Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ip6" : "ip4")}/{Address}/tcp/{Port}";

    public string ToHttpUrl()
    {
        var host = Address.Equals(IPAddress.Any) ? "127.0.0.1"
            : Address.Equals(IPAddress.IPv6Any) ? "[::1]"
            : Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]" : Address.ToString();
        return $"http://{host}:{Port}";
    }

    public override string ToString() =>
        Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}
