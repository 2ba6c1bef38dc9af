using System.CommandLine;
using Shoal.Node;

namespace Shoal.Cli.Commands;

/// <summary>`shoal config show|validate|set`: read and check the repository's config (with environment overrides).</summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var show = new Command("show", "Print the effective config (file + environment overrides)");
        CliAction.Set(show, async (ctx, ct) =>
        {
            var config = ctx.Repo.LoadConfig();
            await ctx.Out.WriteAsync(ConfigLoader.Serialize(config, yaml: !ctx.Json)).ConfigureAwait(false);
            _ = ct;
            return CliAction.Ok;
        });

        var validate = new Command("validate", "Check the config; prints the bad key and exits 1 when invalid");
        CliAction.Set(validate, async (ctx, ct) =>
        {
            ctx.Repo.LoadConfig();
            await ctx.Out.WriteLineAsync("config ok").ConfigureAwait(false);
            _ = ct;
            return CliAction.Ok;
        });

        var key = new Argument<string>("key") { Description = "Dotted key, e.g. Addresses.Api or Limits.MaxConnections" };
        var value = new Argument<string>("value") { Description = "New value (lists: comma-separated)" };
        var set = new Command("set", "Set one key in the config file") { key, value };
        CliAction.Set(set, async (ctx, ct) =>
        {
            var file = ctx.Repo.FindConfigFile() ?? throw new RepoNotInitializedException(ctx.Repo.Path);
            var config = ConfigLoader.LoadFile(file);
            ConfigLoader.Set(config, ctx.Get(key)!, ctx.Get(value)!);
            ConfigLoader.Validate(config);
            AtomicFile.WriteAllText(file, ConfigLoader.Serialize(config, ConfigLoader.IsYaml(file)));
            await ctx.Out.WriteLineAsync($"{ctx.Get(key)} = {ctx.Get(value)}").ConfigureAwait(false);
            _ = ct;
            return CliAction.Ok;
        });

        return new Command("config", "Show, validate or edit the repository's config") { show, validate, set };
    }
}
