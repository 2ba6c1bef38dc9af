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
        AddLabCommands(root);
        return root;
    }

    /// <summary>Registers the `lab` command group (Shoal.Lab); a no-op until Commands/LabCommand.cs implements it.</summary>
    static partial void AddLabCommands(RootCommand root);
}
