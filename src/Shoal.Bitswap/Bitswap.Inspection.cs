using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

public sealed partial class Bitswap
{
    /// <summary>Our whole wantlist (every CID a session wants), read on the loop.</summary>
    public async Task<IReadOnlyList<Cid>> GetWantlistAsync(CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<IReadOnlyList<Cid>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await PostAsync(new QueryInput(() => tcs.TrySetResult(_engine.Wantlist())), ct).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The path round trip measured to <paramref name="peer"/> (a libp2p ping after it connected); null while
    /// not measured.</summary>
    public async Task<TimeSpan?> GetPathRoundTripAsync(PeerId peer, CancellationToken ct = default)
    {
        var tcs = new TaskCompletionSource<TimeSpan?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await PostAsync(new QueryInput(() => tcs.TrySetResult(_engine.PathRoundTripTo(peer))), ct).ConfigureAwait(false);
        return await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
    }
}
