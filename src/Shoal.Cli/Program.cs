using System.CommandLine;
using Shoal.Cli.Commands;

namespace Shoal.Cli;

/// <summary>
/// The `shoal` command. Each command group lives in its own file under Commands/ and is registered here.
/// The Lab engineer's `lab` group plugs in through <see cref="AddLabCommands"/>: implement it in
/// Commands/LabCommand.cs as <c>public static partial class Program { static partial void AddLabCommands(RootCommand root) { ... } }</c>.
/// </summary>
public static partial class Program
{
    public static Task<int> Main(string[] args) => CreateRootCommand().Parse(args).InvokeAsync();

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("Shoal: peer-to-peer distribution of container images and other content (IPFS/libp2p compatible)");
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(InitCommand.Create());
        root.Subcommands.Add(ConfigCommand.Create());
        root.Subcommands.Add(DaemonCommand.Create());
        root.Subcommands.Add(ShutdownCommand.Create());
        root.Subcommands.Add(IdCommand.Create());
        root.Subcommands.Add(AddCommand.Create());
        root.Subcommands.Add(CatCommand.Create());
        root.Subcommands.Add(GetCommand.Create());
        root.Subcommands.Add(PinCommand.Create());
        root.Subcommands.Add(BlockCommand.Create());
        root.Subcommands.Add(DagCommand.Create());
        root.Subcommands.Add(SwarmCommand.Create());
        root.Subcommands.Add(PingCommand.Create());
        root.Subcommands.Add(RoutingCommand.Create());
        root.Subcommands.Add(StatsCommand.Create());
        root.Subcommands.Add(RepoCommand.Create());
        AddLabCommands(root);
        return root;
    }

    /// <summary>Registers the `lab` command group (Shoal.Lab); a no-op until Commands/LabCommand.cs implements it.</summary>
    static partial void AddLabCommands(RootCommand root);
}
