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

    /// <summary>Prefix of a request that waits until the peer, which is fetching the blob, holds it.</summary>
    public const string WaitPrefix = "wait ";

    /// <summary>Prefix of the answer of a peer that does not hold the blob yet but is fetching it.</summary>
    public const string PendingPrefix = "pending ";

    /// <summary>Answers other peers' questions from <paramref name="swarm"/>'s index: the root when held; when the
    /// blob is being fetched here, <c>"pending &lt;state&gt;"</c>, or with a <c>"wait "</c> request the root once held.</summary>
    public static void Register(IP2pHost host, DagBlobSwarm swarm) =>
        host.SetStreamHandler(Id, async (stream, ct) =>
        {
            var request = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxFrameBytes, ct).ConfigureAwait(false);
            var answer = "";
            var text = request is null ? "" : Encoding.ASCII.GetString(request);
            var wait = text.StartsWith(WaitPrefix, StringComparison.Ordinal);
            if (OciDigest.TryParse(wait ? text[WaitPrefix.Length..] : text, out var digest))
            {
                if (wait) await swarm.WhenHeldAsync(digest!, DagBlobSwarm.PeerFetchWaitTimeout, ct).ConfigureAwait(false);
                if (swarm.TryGetLocal(digest!, out var root, out var length) && await swarm.Store.HasAsync(root, ct).ConfigureAwait(false))
                    answer = root + " " + length.ToString(CultureInfo.InvariantCulture);
                else if (!wait && swarm.FetchStateOf(digest!) is var state and not BlobFetchState.None)
                    answer = PendingPrefix + state.ToString();
            }
            LengthPrefixedFrame.Write(stream.Output, Encoding.ASCII.GetBytes(answer));
            await stream.Output.FlushAsync(ct).ConfigureAwait(false);
            await stream.CloseWriteAsync(ct).ConfigureAwait(false);
        });

    /// <summary>Asks <paramref name="peer"/> whether it holds the blob or is fetching it; null when it does not answer.</summary>
    public static async Task<PeerFetch?> AskStateAsync(IP2pHost host, PeerId peer, OciDigest digest, CancellationToken ct)
    {
        var answer = await ExchangeAsync(host, peer, digest.ToString(), QueryTimeout, ct).ConfigureAwait(false);
        if (answer is null) return null;
        if (answer.StartsWith(PendingPrefix, StringComparison.Ordinal))
            return Enum.TryParse<BlobFetchState>(answer[PendingPrefix.Length..], out var state) && Enum.IsDefined(state)
                ? new PeerFetch(peer.ToString(), null, state) : null;
        return new PeerFetch(peer.ToString(), Parse(peer, answer), BlobFetchState.None);
    }

    /// <summary>Waits (up to <paramref name="max"/>) until <paramref name="peer"/>, which is fetching the blob, holds
    /// it; its claim then, or null when it ended without it.</summary>
    public static async Task<BlobProvider?> WaitAsync(IP2pHost host, PeerId peer, OciDigest digest, TimeSpan max, CancellationToken ct)
    {
        var answer = await ExchangeAsync(host, peer, WaitPrefix + digest, max, ct).ConfigureAwait(false);
        return answer is null ? null : Parse(peer, answer);
    }

    private static BlobProvider? Parse(PeerId peer, string answer)
    {
        var parts = answer.Split(' ');
        if (parts.Length != 2 || !Shoal.Core.Cid.TryParse(parts[0], out var root)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            return null;
        return new BlobProvider(peer.ToString(), root, length);
    }

    /// <summary>One request frame out, one answer frame back; null when the peer cannot be asked or is too slow.</summary>
    private static async Task<string?> ExchangeAsync(IP2pHost host, PeerId peer, string request, TimeSpan max, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(max);
        try
        {
            await using var stream = await host.OpenStreamAsync(peer, [Id], timeout.Token).ConfigureAwait(false);
            LengthPrefixedFrame.Write(stream.Output, Encoding.ASCII.GetBytes(request));
            await stream.Output.FlushAsync(timeout.Token).ConfigureAwait(false);
            await stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
            var response = await LengthPrefixedFrame.ReadAsync(stream.Input, MaxFrameBytes, timeout.Token).ConfigureAwait(false);
            return response is null ? "" : Encoding.ASCII.GetString(response);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null; // too slow
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or InvalidOperationException)
        {
            return null; // could not reach it or it does not speak the protocol
        }
    }

    /// <summary>Asks <paramref name="peer"/> for the blob's root; null when it does not hold it or does not answer sensibly.</summary>
    public static async Task<BlobProvider?> AskAsync(IP2pHost host, PeerId peer, OciDigest digest, CancellationToken ct)
    {
        var answer = await ExchangeAsync(host, peer, digest.ToString(), QueryTimeout, ct).ConfigureAwait(false);
        return answer is null ? null : Parse(peer, answer);
    }
}
