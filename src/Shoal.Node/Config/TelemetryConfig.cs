namespace Shoal.Node;

/// <summary>Metrics and traces.</summary>
public sealed class TelemetryConfig
{
    /// <summary>Serve Prometheus metrics at /metrics on the API address.</summary>
    public bool Metrics { get; set; } = true;
    /// <summary>OTLP endpoint for traces (e.g. http://127.0.0.1:4317 for Jaeger); empty = no export.</summary>
    public string OtlpEndpoint { get; set; } = "";
    /// <summary>grpc | http/protobuf.</summary>
    public string OtlpProtocol { get; set; } = "grpc";
    /// <summary>service.name on every span; the Lab sets one per node so Jaeger tells them apart.</summary>
    public string ServiceName { get; set; } = "shoal";
}
