using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Shoal.Node;

/// <summary>
/// The node's OpenTelemetry spans (add, cat/fetch, API requests) and the OTLP exporter that ships them —
/// together with every other `Shoal.*` source (Bitswap sessions, DHT queries) — when an endpoint is configured.
/// </summary>
public static class NodeTracing
{
    public const string SourceName = "Shoal.Node";

    public static readonly ActivitySource Source = new(SourceName, typeof(NodeTracing).Assembly.GetName().Version?.ToString());

    /// <summary>OTLP/HTTP posts to {base}/v1/traces: a bare base URL (as collectors are usually given) gets that path added.</summary>
    public static Uri ExportUri(TelemetryConfig config)
    {
        var uri = new Uri(config.OtlpEndpoint);
        if (config.OtlpProtocol == "grpc" || uri.AbsolutePath.Trim('/').Length > 0) return uri;
        return new Uri(uri, "/v1/traces");
    }

    /// <summary>Starts exporting spans over OTLP, or returns null when no endpoint is configured.</summary>
    public static TracerProvider? StartExporter(TelemetryConfig config, string peerId)
    {
        if (string.IsNullOrEmpty(config.OtlpEndpoint)) return null;
        return Sdk.CreateTracerProviderBuilder()
            .AddSource("Shoal.*")
            .SetResourceBuilder(ResourceBuilder.CreateDefault()
                .AddService(config.ServiceName, serviceInstanceId: peerId))
            .AddOtlpExporter(o =>
            {
                o.Protocol = config.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = ExportUri(config);
            })
            .Build();
    }
}
