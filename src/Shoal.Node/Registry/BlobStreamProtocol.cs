using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Shoal.Core;
using Shoal.Net;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>
/// <c>/shoal/registry/blob-stream/1.0.0</c>: a node waiting for a peer that fetches a blob from the upstream reads
/// that peer's download while it is still under way, instead of waiting for the whole blob. Request: one
/// varint-length-prefixed frame <c>"&lt;digest&gt; &lt;offset&gt;"</c>. Response: one frame with the blob's length in
/// decimal (empty: no such download here), then the raw bytes from the offset to the end, then end of stream. The
/// serving peer releases the last byte only once it has verified the whole blob; the reader verifies it again.
/// </summary>
public static class BlobStreamProtocol
{
    public const string Id = "/shoal/registry/blob-stream/1.0.0";

    /// <summary>A digest (≤ 135 characters) and an offset fit easily.</summary>
    public const int MaxFrameBytes = 256;

    /// <summary>How long to wait for the serving peer to learn the blob's length (the upstream's response headers).</summary>
    public static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Copy granularity: the download's own spool chunk size.</summary>
    private const int CopyBufferSize = 64 * 1024;

    /// <summary>Serves this node's downloads under way from <paramref name="downloads"/>.</summary>
    public static void Register(IP2pHost host, BlobDownloads downloads) =>
        host.SetStreamHandler(Id, async (stream, ct) =>
        {
            var request = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxFrameBytes, ct).ConfigureAwait(false);
            var parts = request is null ? [] : Encoding.ASCII.GetString(request).Split(' ');
            OciDigest? digest = null;
            long from = 0;
            var valid = parts.Length == 2 && OciDigest.TryParse(parts[0], out digest)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out from);
            using var lease = valid ? downloads.TryJoin(digest!) : null;
            if (lease is null)
            {
                LengthPrefixedFrame.Write(stream.Output, []);
                await stream.Output.FlushAsync(ct).ConfigureAwait(false);
                await stream.CloseWriteAsync(ct).ConfigureAwait(false);
                return;
            }
            var length = await lease.Download.Length.WaitAsync(ct).ConfigureAwait(false); // a failed download resets the stream
            LengthPrefixedFrame.Write(stream.Output, Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
            await stream.Output.FlushAsync(ct).ConfigureAwait(false);
            await using (var reader = lease.OpenReader(Math.Min(from, length)))
            {
                var buffer = new byte[CopyBufferSize];
                int n;
                while ((n = await reader.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await stream.Output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false); // Yamux window: backpressure
                }
            }
            await stream.CloseWriteAsync(ct).ConfigureAwait(false);
        });

    /// <summary>Opens <paramref name="peer"/>'s download of the blob from <paramref name="offset"/>; null when it has none.</summary>
    public static async Task<(Stream Content, long Length)?> OpenAsync(IP2pHost host, PeerId peer, OciDigest digest, long offset, CancellationToken ct)
    {
        IP2pStream? stream = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(HeaderTimeout);
            stream = await host.OpenStreamAsync(peer, [Id], timeout.Token).ConfigureAwait(false);
            LengthPrefixedFrame.Write(stream.Output, Encoding.ASCII.GetBytes(digest + " " + offset.ToString(CultureInfo.InvariantCulture)));
            await stream.Output.FlushAsync(timeout.Token).ConfigureAwait(false);
            await stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
            var header = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxFrameBytes, timeout.Token).ConfigureAwait(false);
            if (header is null || header.Length == 0
                || !long.TryParse(Encoding.ASCII.GetString(header), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                return null;
            }
            var content = new P2pReadStream(stream);
            stream = null; // owned by the content stream now
            return (content, length);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null; // too slow to start: wait for the whole blob instead
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or InvalidOperationException)
        {
            return null; // unreachable, or it does not speak the protocol
        }
        finally
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The rest of a libp2p stream as a forward-only Stream; disposing it closes the libp2p stream.</summary>
    private sealed class P2pReadStream(IP2pStream stream) : ReadOnlyStream
    {
        private readonly Stream _input = stream.Input.AsStream(leaveOpen: true);

        public override int Read(byte[] buffer, int offset, int count) => _input.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => _input.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => _input.ReadAsync(buffer, offset, count, ct);

        private int _disposed;

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            await _input.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _input.Dispose();
                stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            base.Dispose(disposing);
        }
    }
}
