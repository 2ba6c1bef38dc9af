using System.CommandLine;
using System.Text.Json;

namespace Shoal.Cli.Commands;

/// <summary>`shoal id [PEER]`: this node's identity (Kubo's shape), or a connected peer's as identify learned it.</summary>
public static class IdCommand
{
    public static Command Create()
    {
        var peer = new Argument<string?>("peer") { Description = "Peer id to look up (default: this node)", Arity = ArgumentArity.ZeroOrOne };
        var format = new Option<string?>("--format", "-f") { Description = "Print only one field: <id>, <addrs>, <aver>, <pubkey>" };
        var command = new Command("id", "Show the node's peer id, public key, addresses, agent and protocols") { peer, format };
        CliAction.Set(command, async (ctx, ct) =>
        {
            await using var node = await NodeConnector.OpenAsync(ctx, ct).ConfigureAwait(false);
            var target = ctx.Get(peer);
            var id = target is null ? await node.IdAsync(ct).ConfigureAwait(false) : await node.SwarmIdentifyAsync(target, ct).ConfigureAwait(false);
            switch (ctx.Get(format))
            {
                case "<id>": await ctx.Out.WriteLineAsync(id.Id).ConfigureAwait(false); break;
                case "<aver>": await ctx.Out.WriteLineAsync(id.AgentVersion).ConfigureAwait(false); break;
                case "<pubkey>": await ctx.Out.WriteLineAsync(id.PublicKey).ConfigureAwait(false); break;
                case "<addrs>": foreach (var a in id.Addresses) await ctx.Out.WriteLineAsync(a).ConfigureAwait(false); break;
                case null:
                    // Kubo prints id as JSON either way; --json makes it one line.
                    await ctx.Out.WriteLineAsync(JsonSerializer.Serialize(id, ctx.Json ? CliContext.JsonOutput : CliContext.JsonOutputIndented)).ConfigureAwait(false);
                    break;
                case var other: throw new ArgumentException($"unknown --format '{other}' (use <id>, <addrs>, <aver> or <pubkey>)");
            }
            return CliAction.Ok;
        });
        return command;
    }
}
