using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal init`: creates the repository (identity key, config file, block store).</summary>
public static class InitCommand
{
    public static Command Create()
    {
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite an existing config and identity (blocks are kept)" };
        var yaml = new Option<bool>("--yaml") { Description = "Write config.yaml instead of config.json" };
        var profile = new Option<string?>("--profile") { Description = "Config profile: 'default', or 'test' = loopback only, random ports (0), no bootstrap peers" };
        var command = new Command("init", "Create a Shoal repository: identity key, config file and block store") { force, yaml, profile };
        CliAction.Set(command, async (ctx, ct) =>
        {
            var repo = Initialize(ctx.Repo.Path, ctx.Get(force), ctx.Get(yaml), ctx.Get(profile));
            var config = repo.LoadConfig();
            if (ctx.Json)
                await ctx.Out.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(new { Repo = repo.Path, PeerId = config.Identity.PeerId, Config = repo.FindConfigFile() })).ConfigureAwait(false);
            else
            {
                await ctx.Out.WriteLineAsync($"initialized Shoal repository at {repo.Path}").ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"peer identity: {config.Identity.PeerId}").ConfigureAwait(false);
            }
            _ = ct;
            return CliAction.Ok;
        });
        return command;
    }

    public static ShoalRepo Initialize(string path, bool force, bool yaml, string? profileName)
    {
        if (profileName is not null and not "test" and not "default")
            throw new ArgumentException($"unknown profile '{profileName}' (use default or test)");
        return RepoInitializer.Init(path, new InitOptions
        {
            Force = force,
            Yaml = yaml,
            Configure = c =>
            {
                if (profileName == "test")
                {
                    c.Addresses.Swarm = ["/ip4/127.0.0.1/tcp/0"];
                    c.Addresses.Api = "127.0.0.1:0";
                    c.Addresses.Gateway = "127.0.0.1:0";
                    c.Bootstrap = [];
                }
                ConfigLoader.ApplyEnvironment(c, Environment.GetEnvironmentVariables());
            },
        });
    }
}
