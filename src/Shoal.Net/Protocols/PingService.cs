using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Shoal.Net;

/// <summary>The libp2p ping protocol (<c>/ipfs/ping/1.0.0</c>): 32 random bytes echoed back, repeated on one stream.</summary>
public static class PingService
{
    public const string ProtocolId = "/ipfs/ping/1.0.0";
    public const int PayloadSize = 32;

    /// <summary>Pings <paramref name="peer"/> <paramref name="count"/> times on one stream and returns each round trip.</summary>
    public static async Task<IReadOnlyList<TimeSpan>> PingAsync(IP2pHost host, PeerId peer, int count = 1, CancellationToken cancellationToken = default)
    {
        var results = new List<TimeSpan>(count);
        await foreach (var rtt in PingEachAsync(host, peer, count, cancellationToken).ConfigureAwait(false)) results.Add(rtt);
        return results;
    }

    /// <summary>Yields each round trip as it is measured (for a CLI that prints them live).</summary>
    public static async IAsyncEnumerable<TimeSpan> PingEachAsync(IP2pHost host, PeerId peer, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var stream = await host.OpenStreamAsync(peer, [ProtocolId], cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var sent = new byte[PayloadSize];
            var received = new byte[PayloadSize];
            for (int i = 0; i < count; i++)
            {
                RandomNumberGenerator.Fill(sent);
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                await stream.Output.WriteAsync(sent, cancellationToken).ConfigureAwait(false);
                await ReadExactlyAsync(stream, received, cancellationToken).ConfigureAwait(false);
                var rtt = System.Diagnostics.Stopwatch.GetElapsedTime(start);
                if (!sent.AsSpan().SequenceEqual(received)) throw new InvalidDataException($"Ping to {peer}: the echo differs from what was sent.");
                yield return rtt;
            }
            await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Handler: echo 32-byte payloads until the peer closes.</summary>
    public static async Task HandleAsync(IP2pStream stream, CancellationToken cancellationToken)
    {
        var payload = new byte[PayloadSize];
        while (await TryReadExactlyAsync(stream, payload, cancellationToken).ConfigureAwait(false))
        {
            await stream.Output.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReadExactlyAsync(IP2pStream stream, byte[] destination, CancellationToken cancellationToken)
    {
        if (!await TryReadExactlyAsync(stream, destination, cancellationToken).ConfigureAwait(false))
            throw new EndOfStreamException($"Ping: {stream.RemotePeer} closed the stream.");
    }

    private static async Task<bool> TryReadExactlyAsync(IP2pStream stream, byte[] destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await stream.Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= destination.Length)
            {
                buffer.Slice(0, destination.Length).CopyTo(destination);
                stream.Input.AdvanceTo(buffer.GetPosition(destination.Length));
                return true;
            }
            stream.Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (buffer.IsEmpty) return false;
                throw new EndOfStreamException("Ping: stream ended inside a payload.");
            }
        }
    }
}
