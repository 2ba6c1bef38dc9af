using System.Buffers;
using System.IO.Pipelines;
using Shoal.Dht.Wire;

namespace Shoal.Dht;

/// <summary>Reads and writes length-prefixed DHT messages on a stream's pipes.</summary>
public static class DhtStreamIO
{
    /// <summary>
    /// Reads the next message; null when the remote closed its side cleanly between messages. Throws
    /// <see cref="DhtProtocolException"/> for a malformed, oversized or truncated message.
    /// </summary>
    public static async ValueTask<DhtMessage?> ReadAsync(PipeReader input, CancellationToken ct, int maxMessageSize = DhtConstants.MaxMessageSize)
    {
        while (true)
        {
            var result = await input.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (DhtFraming.TryReadFrame(ref buffer, out var payload, maxMessageSize))
                {
                    var message = DhtFraming.Parse(payload);
                    consumed = buffer.Start;
                    examined = consumed;
                    return message;
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    if (buffer.Length == 0) return null;
                    throw new DhtProtocolException($"Stream ended inside a message ({buffer.Length} bytes buffered).");
                }
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    public static async ValueTask WriteAsync(PipeWriter output, DhtMessage message, CancellationToken ct)
    {
        DhtFraming.Write(output, message);
        var flush = await output.FlushAsync(ct).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new IOException("The remote stopped reading the DHT stream.");
        }
    }
}
