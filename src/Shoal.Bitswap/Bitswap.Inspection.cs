using Shoal.Core;

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
}
