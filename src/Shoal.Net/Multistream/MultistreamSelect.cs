using System.IO.Pipelines;

namespace Shoal.Net;

/// <summary>
/// multistream-select 1.0 negotiation over a duplex pipe. Only the negotiation messages are consumed from the
/// input: bytes the peer sent right after its proposal stay in the pipe for the next layer.
/// </summary>
public static class MultistreamSelect
{
    public const string ProtocolId = "/multistream/1.0.0";
    public const string NotAvailable = "na";
    /// <summary>Proposals a responder answers before giving up on a peer that never settles (go allows a handful; 32 is generous).</summary>
    public const int MaxProposals = 32;

    /// <summary>Initiator: proposes <paramref name="protocols"/> in order (header and first proposal in one write) and returns the one accepted.</summary>
    public static async Task<string> SelectAsync(IDuplexPipe pipe, IReadOnlyList<string> protocols, CancellationToken cancellationToken = default)
    {
        if (protocols.Count == 0) throw new ArgumentException("No protocol to propose.", nameof(protocols));
        MultistreamMessage.Write(pipe.Output, ProtocolId);
        MultistreamMessage.Write(pipe.Output, protocols[0]);
        await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);

        string header = await ReadMessageAsync(pipe.Input, cancellationToken).ConfigureAwait(false);
        if (header != ProtocolId) throw new MultistreamException($"multistream-select: expected header '{ProtocolId}', got '{Truncate(header)}'.");
        for (int i = 0; i < protocols.Count; i++)
        {
            if (i > 0)
            {
                MultistreamMessage.Write(pipe.Output, protocols[i]);
                await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            string answer = await ReadMessageAsync(pipe.Input, cancellationToken).ConfigureAwait(false);
            if (answer == protocols[i]) return answer;
            if (answer != NotAvailable) throw new MultistreamException($"multistream-select: proposed '{protocols[i]}', peer answered '{Truncate(answer)}'.");
        }
        throw new MultistreamException($"multistream-select: peer supports none of {string.Join(", ", protocols)}.", notSupported: true);
    }

    /// <summary>Responder: answers proposals with <c>na</c> until one is supported, echoes it and returns it.</summary>
    public static async Task<string> AcceptAsync(IDuplexPipe pipe, Func<string, bool> isSupported, CancellationToken cancellationToken = default)
    {
        MultistreamMessage.Write(pipe.Output, ProtocolId);
        await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        string header = await ReadMessageAsync(pipe.Input, cancellationToken).ConfigureAwait(false);
        if (header != ProtocolId) throw new MultistreamException($"multistream-select: expected header '{ProtocolId}', got '{Truncate(header)}'.");
        for (int i = 0; i < MaxProposals; i++)
        {
            string proposal = await ReadMessageAsync(pipe.Input, cancellationToken).ConfigureAwait(false);
            if (proposal != "ls" && proposal != NotAvailable && isSupported(proposal))
            {
                MultistreamMessage.Write(pipe.Output, proposal);
                await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                return proposal;
            }
            MultistreamMessage.Write(pipe.Output, NotAvailable);
            await pipe.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        throw new MultistreamException($"multistream-select: peer made more than {MaxProposals} proposals.");
    }

    /// <summary>Reads one message, consuming exactly its bytes.</summary>
    public static async ValueTask<string> ReadMessageAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (MultistreamMessage.TryRead(ref buffer, out string message))
                {
                    consumed = buffer.Start;
                    examined = consumed;
                    return message;
                }
                if (result.IsCompleted) throw new MultistreamException("multistream-select: connection closed during negotiation.");
                if (result.IsCanceled) throw new OperationCanceledException(cancellationToken);
            }
            finally
            {
                input.AdvanceTo(consumed, examined);
            }
        }
    }

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
