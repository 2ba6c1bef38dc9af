namespace Shoal.Dht;

/// <summary>The protocol's tunables, each with where its value comes from.</summary>
public static class DhtConstants
{
    /// <summary>The public IPFS DHT's protocol id; private clusters pick their own (Kubo's LAN DHT uses /ipfs/lan/kad/1.0.0).</summary>
    public const string DefaultProtocolId = "/ipfs/kad/1.0.0";

    /// <summary>k: bucket size and replication factor (libp2p spec, go and js).</summary>
    public const int BucketSize = 20;

    /// <summary>α: requests in flight per lookup (go-libp2p-kad-dht and js use 10, not the paper's 3).</summary>
    public const int Alpha = 10;

    /// <summary>Largest message accepted or sent (go and js cap at 4 MiB).</summary>
    public const int MaxMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// Largest request a server reads: requests carry one key and at most a provider entry (go and js send well under
    /// 1 KiB), so 16 streams per peer can make us buffer at most 1 MiB instead of 64 MiB.
    /// </summary>
    public const int MaxRequestSize = 64 * 1024;

    /// <summary>Longest key accepted: a sha2-512 multihash is 66 bytes, peer ids are at most ~42; leaves headroom.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>Most peers read from one closer/provider list: honest servers send k (20); the rest is ignored.</summary>
    public const int MaxPeersPerList = 64;

    /// <summary>Most addresses kept per peer entry: real peers list a handful; more is a memory attack.</summary>
    public const int MaxAddressesPerPeer = 32;

    /// <summary>Longest single multiaddr accepted (dns names are at most 255 bytes, plus protocol codes).</summary>
    public const int MaxAddressLength = 512;

    /// <summary>Longest peer id accepted (identity-encoded Ed25519 ids are 38 bytes, RSA sha2-256 ids 34).</summary>
    public const int MaxPeerIdLength = 128;

    /// <summary>Deadline for one request/response and for an idle inbound stream (go and js: 10 s).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a provider record is valid (libp2p spec: 48 h).</summary>
    public static readonly TimeSpan ProviderValidity = TimeSpan.FromHours(48);

    /// <summary>How often we re-announce what we provide (Kubo: 22 h, well within the 48 h validity).</summary>
    public static readonly TimeSpan ReprovideInterval = TimeSpan.FromHours(22);

    /// <summary>How long provider addresses are served with a record (go's ProviderAddrTTL: 24 h).</summary>
    public static readonly TimeSpan ProviderAddressTtl = TimeSpan.FromHours(24);

    /// <summary>A bucket not looked up in this long gets a refresh lookup (go-libp2p-kad-dht: 10 min).</summary>
    public static readonly TimeSpan BucketRefreshInterval = TimeSpan.FromMinutes(10);

    /// <summary>Deepest bucket refreshed: a random key for bucket c costs ~2^(c+1) hashes, and deeper buckets are rarely populated (go: 15).</summary>
    public const int MaxRefreshCommonPrefixLength = 15;
}
