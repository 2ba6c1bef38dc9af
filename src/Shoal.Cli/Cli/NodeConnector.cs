using Shoal.Node;

namespace Shoal.Cli;

/// <summary>
/// Picks how a command reaches the node: the daemon at --api, else the daemon whose `api` file is in the
/// repository (if it answers), else the repository itself, offline, in this process.
/// </summary>
public static class NodeConnector
{
    public static async Task<INodeApi> OpenAsync(CliContext ctx, CancellationToken ct)
    {
        if (ctx.Get(GlobalOptions.Api) is { Length: > 0 } api)
        {
            var client = new ShoalApiClient(ShoalApiClient.ToBaseUrl(api));
            if (!await client.IsAliveAsync(ct).ConfigureAwait(false))
            {
                await client.DisposeAsync().ConfigureAwait(false);
                throw new HttpRequestException($"no Shoal daemon answers at {client.BaseUrl}");
            }
            return client;
        }
        if (!ctx.Get(GlobalOptions.Offline) && await ShoalApiClient.TryConnectAsync(ctx.Repo, ct).ConfigureAwait(false) is { } running)
            return running;
        var config = ctx.Repo.LoadConfig();
        return ShoalNode.Open(ctx.Repo, config);
    }
}
