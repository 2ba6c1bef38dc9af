using Prometheus;

namespace Shoal.Node;

/// <summary>
/// Prometheus metrics of one node, in a registry of its own (several nodes may share a process in tests).
/// Counters owned elsewhere (Bitswap, libp2p, DHT) are copied in from their snapshots just before each scrape.
/// </summary>
public sealed class NodeMetrics
{
    public NodeMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(Registry);
        BitswapBlocksReceived = f.CreateCounter("shoal_bitswap_blocks_received_total", "Blocks received through Bitswap");
        BitswapDataReceived = f.CreateCounter("shoal_bitswap_data_received_bytes_total", "Block bytes received through Bitswap");
        BitswapDupBlocksReceived = f.CreateCounter("shoal_bitswap_dup_blocks_received_total", "Blocks received that we already had");
        BitswapDupDataReceived = f.CreateCounter("shoal_bitswap_dup_data_received_bytes_total", "Bytes of duplicate blocks received");
        BitswapBlocksSent = f.CreateCounter("shoal_bitswap_blocks_sent_total", "Blocks sent to peers");
        BitswapDataSent = f.CreateCounter("shoal_bitswap_data_sent_bytes_total", "Block bytes sent to peers");
        BitswapMessagesReceived = f.CreateCounter("shoal_bitswap_messages_received_total", "Bitswap messages received");
        BitswapWantlistSize = f.CreateGauge("shoal_bitswap_wantlist_size", "CIDs in our wantlist");
        BitswapPeers = f.CreateGauge("shoal_bitswap_peers", "Peers speaking Bitswap with us");
        BitswapSessions = f.CreateGauge("shoal_bitswap_sessions", "Active Bitswap sessions");
        Libp2pConnections = f.CreateGauge("shoal_libp2p_connections", "Open libp2p connections");
        Libp2pStreams = f.CreateGauge("shoal_libp2p_streams", "Open libp2p streams");
        Libp2pBytes = f.CreateCounter("shoal_libp2p_bytes_total", "libp2p bytes by direction and protocol", "direction", "protocol");
        DhtRoutingTableSize = f.CreateGauge("shoal_dht_routing_table_peers", "Peers in the DHT routing table");
        DhtProvides = f.CreateCounter("shoal_dht_provides_total", "Provider records announced");
        DhtFindProviders = f.CreateCounter("shoal_dht_find_providers_total", "Provider searches started");
        StoreGets = f.CreateCounter("shoal_blockstore_gets_total", "Block store reads by result", "result");
        StorePuts = f.CreateCounter("shoal_blockstore_puts_total", "Blocks written to the block store");
        StoreBytesWritten = f.CreateCounter("shoal_blockstore_written_bytes_total", "Bytes written to the block store");
        StoreDeletes = f.CreateCounter("shoal_blockstore_deletes_total", "Blocks deleted (gc)");
        AddedBytes = f.CreateCounter("shoal_add_bytes_total", "File bytes imported by add");
        GatewayRequests = f.CreateCounter("shoal_gateway_requests_total", "Gateway responses by status code", "code");
        ApiRequests = f.CreateCounter("shoal_api_requests_total", "HTTP API requests by route", "route");
        Registry.AddBeforeCollectCallback(() => { foreach (var update in _beforeScrape) update(this); });
    }

    private readonly List<Action<NodeMetrics>> _beforeScrape = [];

    public CollectorRegistry Registry { get; }
    public Counter BitswapBlocksReceived { get; }
    public Counter BitswapDataReceived { get; }
    public Counter BitswapDupBlocksReceived { get; }
    public Counter BitswapDupDataReceived { get; }
    public Counter BitswapBlocksSent { get; }
    public Counter BitswapDataSent { get; }
    public Counter BitswapMessagesReceived { get; }
    public Gauge BitswapWantlistSize { get; }
    public Gauge BitswapPeers { get; }
    public Gauge BitswapSessions { get; }
    public Gauge Libp2pConnections { get; }
    public Gauge Libp2pStreams { get; }
    public Counter Libp2pBytes { get; }
    public Gauge DhtRoutingTableSize { get; }
    public Counter DhtProvides { get; }
    public Counter DhtFindProviders { get; }
    public Counter StoreGets { get; }
    public Counter StorePuts { get; }
    public Counter StoreBytesWritten { get; }
    public Counter StoreDeletes { get; }
    public Counter AddedBytes { get; }
    public Counter GatewayRequests { get; }
    public Counter ApiRequests { get; }

    /// <summary>Registers a copy-in step run before every scrape (e.g. from Bitswap's stats snapshot).</summary>
    public void OnScrape(Action<NodeMetrics> update)
    {
        lock (_beforeScrape) _beforeScrape.Add(update);
    }

    public void SetBitswap(BitswapStatResult s)
    {
        BitswapBlocksReceived.IncTo(s.BlocksReceived);
        BitswapDataReceived.IncTo(s.DataReceived);
        BitswapDupBlocksReceived.IncTo(s.DupBlksReceived);
        BitswapDupDataReceived.IncTo(s.DupDataReceived);
        BitswapBlocksSent.IncTo(s.BlocksSent);
        BitswapDataSent.IncTo(s.DataSent);
        BitswapMessagesReceived.IncTo(s.MessagesReceived);
        BitswapWantlistSize.Set(s.WantlistSize);
        BitswapPeers.Set(s.BitswapPeers);
        BitswapSessions.Set(s.Sessions);
    }
}
