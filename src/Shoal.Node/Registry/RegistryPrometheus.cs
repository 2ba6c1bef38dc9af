using Prometheus;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>The mirror's <see cref="RegistryMetrics"/> in the node's Prometheus registry (<c>/metrics</c> on the API),
/// copied in before each scrape like the other subsystems' counters.</summary>
internal static class RegistryPrometheus
{
    public static void Attach(NodeMetrics metrics, RegistryMetrics registry)
    {
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        var blobs = f.CreateCounter("shoal_registry_blobs_total", "Blobs served by the registry mirror, by where their bytes came from", "source");
        var bytes = f.CreateCounter("shoal_registry_bytes_total", "Registry mirror bytes by direction: from peers, from upstream, served to clients", "source");
        var manifests = f.CreateCounter("shoal_registry_manifests_total", "Manifests served by the registry mirror, by source", "source");
        var mismatches = f.CreateCounter("shoal_registry_digest_mismatches_total", "Blobs whose bytes did not hash to their digest");
        var coalesced = f.CreateCounter("shoal_registry_coalesced_requests_total", "Blob requests that joined a download already under way");
        metrics.OnScrape(_ =>
        {
            blobs.WithLabels("peers").IncTo(registry.BlobsFromPeers);
            blobs.WithLabels("upstream").IncTo(registry.BlobsFromUpstream);
            blobs.WithLabels("local").IncTo(registry.BlobsFromLocal);
            bytes.WithLabels("peers").IncTo(registry.BytesFromPeers);
            bytes.WithLabels("upstream").IncTo(registry.BytesFromUpstream);
            bytes.WithLabels("served").IncTo(registry.BytesServed);
            manifests.WithLabels("upstream").IncTo(registry.ManifestsFromUpstream);
            manifests.WithLabels("peers").IncTo(registry.ManifestsFromPeers);
            manifests.WithLabels("local").IncTo(registry.ManifestsFromLocal);
            mismatches.IncTo(registry.DigestMismatches);
            coalesced.IncTo(registry.CoalescedRequests);
        });
    }
}
