using System.Buffers;
using System.Globalization;
using System.Text;
using Shoal.Net;
using Shoal.Registry;

namespace Shoal.Node;

/// <summary>
/// <c>/shoal/registry/blob-root/1.0.0</c>: a peer found as a provider of a blob key is asked which DAG holds
/// the blob. Request: one varint-length-prefixed frame with the digest text (<c>sha256:…</c>). Response: one
/// frame with <c>"&lt;root CID&gt; &lt;length&gt;"</c>, or an empty frame when the peer does not hold it.
/// The answer is a claim; the asker verifies the whole blob against the digest.
/// </summary>
public static class BlobRootProtocol
{
    public const string Id = "/shoal/registry/blob-root/1.0.0";

    /// <summary>A digest is at most 135 characters (sha512); a CIDv1 in base32 plus a length fits in 256.</summary>
    public const int MaxFrameBytes = 512;

    /// <summary>A peer that takes longer than this to name a root is skipped; it is one small round trip.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Answers other peers' questions from <paramref name="swarm"/>'s index.</summary>
    public static void Register(IP2pHost host, DagBlobSwarm swarm) =>
        host.SetStreamHandler(Id, async (stream, ct) =>
        {
            var request = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxFrameBytes, ct).ConfigureAwait(false);
            var answer = "";
            if (request is not null && OciDigest.TryParse(Encoding.ASCII.GetString(request), out var digest)
                && swarm.TryGetLocal(digest!, out var root, out var length) && await swarm.Store.HasAsync(root, ct).ConfigureAwait(false))
                answer = root + " " + length.ToString(CultureInfo.InvariantCulture);
            LengthPrefixedFrame.Write(stream.Output, Encoding.ASCII.GetBytes(answer));
            await stream.Output.FlushAsync(ct).ConfigureAwait(false);
            await stream.CloseWriteAsync(ct).ConfigureAwait(false);
        });

    /// <summary>Asks <paramref name="peer"/> for the blob's root; null when it does not hold it or does not answer sensibly.</summary>
    public static async Task<BlobProvider?> AskAsync(IP2pHost host, PeerId peer, OciDigest digest, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(QueryTimeout);
        try
        {
            await using var stream = await host.OpenStreamAsync(peer, [Id], timeout.Token).ConfigureAwait(false);
            LengthPrefixedFrame.Write(stream.Output, Encoding.ASCII.GetBytes(digest.ToString()));
            await stream.Output.FlushAsync(timeout.Token).ConfigureAwait(false);
            await stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
            var response = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxFrameBytes, timeout.Token).ConfigureAwait(false);
            if (response is null || response.Length == 0) return null;
            var parts = Encoding.ASCII.GetString(response).Split(' ');
            if (parts.Length != 2 || !Shoal.Core.Cid.TryParse(parts[0], out var root)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                return null;
            return new BlobProvider(peer.ToString(), root, length);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null; // too slow: treat as not holding it
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or InvalidOperationException)
        {
            return null; // could not reach it or it does not speak the protocol
        }
    }
}
