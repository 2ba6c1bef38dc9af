using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Shoal.Node.Tests.Otlp;

namespace Shoal.Node.Tests;

/// <summary>Both daemons export traces over OTLP/HTTP (protobuf) to a receiver run by the test.</summary>
public class OtlpTraceTests
{
    private sealed record ExportedSpan(string Service, string Name, string SpanId, string ParentSpanId, string TraceId, IReadOnlyDictionary<string, string> Tags);

    /// <summary>A minimal OTLP/HTTP trace receiver: decodes each ExportTraceServiceRequest and keeps the spans.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        public ConcurrentBag<ExportedSpan> Spans { get; } = [];
        public ConcurrentBag<string> Paths { get; } = [];

        private OtlpReceiver(WebApplication app) => _app = app;
        public string Url => _app.Urls.First();

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/{**path}", async ctx =>
            {
                receiver.Paths.Add(ctx.Request.Path);
                var body = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(body);
                var request = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
                foreach (var rs in request.ResourceSpans)
                {
                    var service = rs.Resource.Attributes.FirstOrDefault(a => a.Key == "service.instance.id")?.Value.StringValue ?? "";
                    foreach (var span in rs.ScopeSpans.SelectMany(s => s.Spans))
                    {
                        var tags = span.Attributes.ToDictionary(a => a.Key, a => a.Value.ValueCase switch
                        {
                            AnyValue.ValueOneofCase.StringValue => a.Value.StringValue,
                            AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            AnyValue.ValueOneofCase.BoolValue => a.Value.BoolValue ? "true" : "false",
                            _ => a.Value.ToString(),
                        });
                        receiver.Spans.Add(new ExportedSpan(service, span.Name, Convert.ToHexString(span.SpanId.Span),
                            Convert.ToHexString(span.ParentSpanId.Span), Convert.ToHexString(span.TraceId.Span), tags));
                    }
                }
                ctx.Response.ContentType = "application/x-protobuf";
                ctx.Response.StatusCode = 200;
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_fetch_exports_session_want_and_block_spans_with_peer_ids_from_both_daemons()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        string[] telemetry = ["--set", $"Telemetry.OtlpEndpoint={receiver.Url}", "--set", "Telemetry.OtlpProtocol=http/protobuf"];
        var (seeder, leecher) = await BitswapTransferTests.StartPairAsync(telemetry, telemetry);
        string seederId = seeder.Info.Id, leecherId = leecher.Info.Id;
        string cid;
        await using (seeder)
        await using (leecher)
        {
            var bytes = DaemonTests.RandomBytes(800_000, 81); // 4 leaves + root at 256 KiB
            cid = (await seeder.Api.AddAsync(new MemoryStream(bytes), "t.bin", new AddOptions())).Hash;
            var cat = await leecher.CliAsync("cat", cid);
            Assert.Equal(bytes, cat.StdoutBytes);
            // A graceful stop flushes each daemon's exporter.
            Assert.Equal(0, await leecher.StopAsync());
            Assert.Equal(0, await seeder.StopAsync());
        }

        Assert.Contains("/v1/traces", receiver.Paths);
        var spans = receiver.Spans.ToList();
        var byId = spans.ToDictionary(s => s.SpanId);
        var dump = string.Join("\n", spans.Select(s => $"{s.Service[^6..]} {s.Name} {s.SpanId}<-{s.ParentSpanId} {string.Join(' ', s.Tags.Select(t => t.Key + "=" + t.Value))}"));
        Assert.True(spans.Any(s => s.Name == "bitswap session" && s.Service == leecherId), dump);
        var session = Assert.Single(spans, s => s.Service == leecherId && s.Name == "bitswap session" && s.Tags.GetValueOrDefault("shoal.cid") == cid);
        Assert.Equal(leecherId, session.Tags["shoal.peer"]);

        var wants = spans.Where(s => s.Name == "bitswap want" && s.ParentSpanId == session.SpanId).ToList();
        Assert.True(wants.Count == 5, dump); // the root and its four leaves, each wanted once in this session
        Assert.Contains(wants, w => w.Tags.GetValueOrDefault("shoal.cid") == cid);
        Assert.All(wants, w => Assert.Equal(seederId, w.Tags["shoal.want.answered_by"]));

        var blocks = spans.Where(s => s.Name == "bitswap block" && s.Service == leecherId).ToList();
        Assert.Equal(5, blocks.Count);
        Assert.All(blocks, b =>
        {
            var want = byId[b.ParentSpanId];
            Assert.Equal("bitswap want", want.Name);
            Assert.Equal(session.TraceId, b.TraceId);
            Assert.Equal(seederId, b.Tags["shoal.peer"]);
            Assert.Equal(want.Tags["shoal.cid"], b.Tags["shoal.cid"]);
        });

        // The seeder's side of the same transfer: each of those blocks served to the leecher.
        var served = spans.Where(s => s.Service == seederId && s.Name == "bitswap serve block" && s.Tags["shoal.peer"] == leecherId)
            .Select(s => s.Tags["shoal.cid"]).ToHashSet();
        Assert.Subset(served, blocks.Select(b => b.Tags["shoal.cid"]).ToHashSet());
    }
}
