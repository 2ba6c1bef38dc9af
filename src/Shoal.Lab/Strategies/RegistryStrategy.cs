using Shoal.Lab.Content;
using Shoal.Lab.Simulation;

namespace Shoal.Lab.Strategies;

/// <summary>
/// The client-server baseline (a registry or CDN, as <c>docker pull</c> uses): every fetcher downloads each layer
/// whole over HTTPS from one central server with the cluster's registry uplink, a few layers at a time, each on
/// its own connection. Nodes never serve each other.
/// </summary>
public sealed class RegistryStrategy : SimStrategy
{
    /// <summary>Round trips to open a connection before the first request: TCP handshake and TLS 1.3.</summary>
    public const int ConnectionSetupRoundTrips = 2;

    /// <summary>Round trips before any layer: the manifest GET (the token request is assumed cached).</summary>
    public const int ManifestRoundTrips = 1;

    public override string Name => "registry";
    public override bool UsesRegistry => true;

    public override string Describe()
        => $"central HTTPS server; {ConnectionSetupRoundTrips} RTT connection setup per layer, {ManifestRoundTrips} RTT manifest, whole layers, parallel downloads per cluster.registry";

    private int _parallel = 3;
    private long _overheadNs;
    private int _registry = -1;

    public override void Prepare(SimulationContext context)
    {
        _parallel = context.Scenario.Cluster.Registry.ParallelDownloads;
        _overheadNs = VirtualClock.FromTimeSpan(context.Scenario.Cluster.Registry.RequestOverhead);
        _registry = context.RegistryIndex;
    }

    public override INodeBehaviour CreateNode(SimNodeHost host) => new Client(this, host);
    public override INodeBehaviour CreateRegistry(SimNodeHost host) => new Server(this, host);

    private sealed record LayerRequest(int Part);
    private sealed record LayerResponse(int Part);

    private sealed class Client(RegistryStrategy s, SimNodeHost host) : INodeBehaviour
    {
        private readonly Queue<ContentPart> _queue = new();
        private readonly HashSet<int> _active = [];
        private bool _manifestDone;
        private bool _manifestPending;

        public void Start() { _active.Clear(); _manifestPending = false; }
        public void Stop() { }
        public void PeerJoined(int peer) { }
        public void PeerLeft(int peer) { }

        public void Fetch(ContentPart part)
        {
            if (!_queue.Contains(part) && !_active.Contains(part.Index)) _queue.Enqueue(part);
            if (!_manifestDone)
            {
                if (_manifestPending) return;
                _manifestPending = true;
                host.SetTimer(host.Now + 2 * host.LatencyTo(s._registry) * (ConnectionSetupRoundTrips + ManifestRoundTrips), -1);
                return;
            }
            Pump();
        }

        public void Timer(long token)
        {
            if (token == -1) { _manifestDone = true; _manifestPending = false; Pump(); return; }
            // A new connection is open: send the layer request on it.
            host.Send(s._registry, new LayerRequest((int)token), Simulation.WireFraming.Https(Simulation.WireFraming.HttpRequestBytes - Simulation.WireFraming.HttpResponseHeaders), "http-get", lane: (int)token + 1);
        }

        private void Pump()
        {
            while (_active.Count < s._parallel && _queue.Count > 0)
            {
                var part = _queue.Dequeue();
                if (host.Store.HasAll(part)) continue;
                _active.Add(part.Index);
                host.SetTimer(host.Now + 2 * host.LatencyTo(s._registry) * ConnectionSetupRoundTrips, part.Index);
            }
        }

        public void Receive(int from, object payload)
        {
            if (payload is not LayerResponse r) return;
            var part = host.Catalog.Parts[r.Part];
            foreach (var id in part.BlockIds) host.ReceiveBlock(id, from);
            _active.Remove(r.Part);
            Pump();
        }
    }

    private sealed class Server(RegistryStrategy s, SimNodeHost host) : INodeBehaviour
    {
        public void Start() { }
        public void Stop() { }
        public void PeerJoined(int peer) { }
        public void PeerLeft(int peer) { }
        public void Fetch(ContentPart part) { }
        public void Timer(long token)
        {
            var to = (int)(token >> 32);
            var part = (int)(token & 0xffffffff);
            Respond(to, part);
        }

        public void Receive(int from, object payload)
        {
            if (payload is not LayerRequest r) return;
            if (s._overheadNs > 0) host.SetTimer(host.Now + s._overheadNs, ((long)from << 32) | (uint)r.Part);
            else Respond(from, r.Part);
        }

        private void Respond(int to, int partIndex)
        {
            var part = host.Catalog.Parts[partIndex];
            foreach (var id in part.BlockIds) host.CountBlockSent(id);
            host.Send(to, new LayerResponse(partIndex), Simulation.WireFraming.Https(part.Size), "layer", lane: partIndex + 1);
        }
    }
}
