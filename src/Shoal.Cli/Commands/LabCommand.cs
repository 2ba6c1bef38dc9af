using System.CommandLine;
using Shoal.Cli.Commands;
using Shoal.Lab.Definitions;
using Shoal.Lab.Drivers;
using Shoal.Lab.Reports;
using Spectre.Console;

namespace Shoal.Cli
{
    public static partial class Program
    {
        static partial void AddLabCommands(RootCommand root) => root.Subcommands.Add(LabCommand.Create());
    }
}

namespace Shoal.Cli.Commands
{
    /// <summary>`shoal lab run|validate|compare`: the Lab's scenarios, drivers and reports.</summary>
    public static class LabCommand
    {
        public static Command Create()
        {
            var lab = new Command("lab", "Shoal Lab: run scenarios on the simulator or real daemons and report against the physical bound");
            lab.Subcommands.Add(RunCommand());
            lab.Subcommands.Add(ValidateCommand());
            lab.Subcommands.Add(CompareCommand());
            lab.Subcommands.Add(FlameCommand());
            return lab;
        }

        private static Command RunCommand()
        {
            var scenario = new Argument<string>("scenario") { Description = "Scenario YAML file (e.g. bench/scenarios/image-32.yaml)" };
            var driver = new Option<string>("--driver") { Description = "sim (embedded simulator), local (daemons on this machine) or cluster (daemons over SSH)", DefaultValueFactory = _ => "sim" };
            var strategies = new Option<string[]>("--strategies", "-s") { Description = "Trials to run (strategy or trial names, comma or space separated); default: the scenario's", AllowMultipleArgumentsPerToken = true };
            var output = new Option<string?>("--out", "-o") { Description = "Directory for report.md, report.json, plots, traces (default: reports/<scenario>)" };
            var seed = new Option<int?>("--seed") { Description = "Random seed (default: the scenario's randomSeed)" };
            var reps = new Option<int?>("--repetitions", "-r") { Description = "Repetitions per trial (default: the scenario's)" };
            var inventory = new Option<string?>("--inventory") { Description = "cluster driver: inventory YAML of SSH hosts" };
            var binary = new Option<string?>("--shoal") { Description = "local/cluster drivers: path of the shoal binary to run (default: this one)" };
            var parallel = new Option<int?>("--parallel") { Description = "sim driver: trials simulated at once (default: one per processor; results do not depend on it)" };
            var noTraces = new Option<bool>("--no-traces") { Description = "Skip traces and CPU profiles (sim: transfer spans; local: EventPipe sampling of every daemon)" };
            var links = new Option<string>("--links") { Description = "local driver: kernel (each daemon in a network namespace, links shaped by tc), shell (loopback, Bitswap paces blocks), none, or auto (kernel when root and iproute2 work, else shell)", DefaultValueFactory = _ => "auto" };
            var command = new Command("run", "Run a scenario's trials and write its report") { scenario, driver, strategies, output, seed, reps, inventory, binary, parallel, noTraces, links };
            CliAction.Set(command, async (ctx, ct) =>
            {
                var def = DefinitionReader.LoadScenario(ctx.Get(scenario)!);
                var names = ctx.Get(strategies)?.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
                var options = new ExperimentOptions { Strategies = names is { Count: > 0 } ? names : null, Seed = ctx.Get(seed), Repetitions = ctx.Get(reps), Parallelism = ctx.Get(parallel), Traces = !ctx.Get(noTraces) };
                var linkModel = LinkModels.Parse(ctx.Get(links));
                if (linkModel is not null && ctx.Get(driver) == "sim") throw new ArgumentException("--links applies to the local and cluster drivers (the simulator models links itself)");
                ILabDriver d = ctx.Get(driver) switch
                {
                    "sim" => LabDrivers.Sim(),
                    "local" => LabDrivers.Local(ctx.Get(binary), linkModel),
                    "cluster" => LabDrivers.Cluster(ctx.Get(inventory) ?? throw new ArgumentException("--driver cluster needs --inventory FILE"), ctx.Get(binary), linkModel),
                    var other => throw new ArgumentException($"unknown driver '{other}' (use sim, local or cluster)"),
                };
                var outDir = ctx.Get(output) ?? Path.Combine("reports", def.Name);
                var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(ctx.Out) });
                console.MarkupLine($"[bold]shoal lab[/] {Markup.Escape(def.Name)}: {def.Cluster.NodeCount} nodes, driver {d.Name}, trials {Markup.Escape(string.Join(", ", DriverTrials(def, options)))}");
                ExperimentOutput result = null!;
                var wall = System.Diagnostics.Stopwatch.StartNew();
                var interactive = !Console.IsOutputRedirected && ctx.Out == Console.Out;
                if (interactive)
                {
                    await console.Progress().AutoClear(true).StartAsync(async p =>
                    {
                        var task = p.AddTask("starting", maxValue: 1);
                        task.IsIndeterminate = true;
                        var progress = new SyncProgress<LabProgress>(lp => task.Description = lp.Trial.Length == 0 ? Markup.Escape(lp.Status) : $"{lp.Trial} #{lp.Repetition}: {lp.Seconds:0.00} s {(d.Name == "sim" ? "virtual" : "")} / {wall.Elapsed.TotalSeconds:0} s wall");
                        result = await d.RunAsync(def, options, progress, ct).ConfigureAwait(false);
                    }).ConfigureAwait(false);
                }
                else
                {
                    // Not a terminal: a line per finished trial, and one every half minute for long ones.
                    var lastLine = TimeSpan.Zero;
                    var progress = new SyncProgress<LabProgress>(lp =>
                    {
                        // A run-wide step (e.g. the link model chosen) has no trial.
                        if (lp.Trial.Length == 0) { ctx.Out.WriteLine($"  {lp.Status}"); return; }
                        if (lp.Status == "running" && wall.Elapsed - lastLine < TimeSpan.FromSeconds(30)) return;
                        lastLine = wall.Elapsed;
                        ctx.Out.WriteLine($"  {lp.Trial} #{lp.Repetition}: {lp.Status} at {lp.Seconds:0.000} s{(d.Name == "sim" ? " virtual" : "")} ({wall.Elapsed.TotalSeconds:0.0} s wall)");
                    });
                    result = await d.RunAsync(def, options, progress, ct).ConfigureAwait(false);
                }
                var files = ReportWriter.WriteAll(result, outDir);
                await ctx.Out.WriteLineAsync().ConfigureAwait(false);
                await ctx.Out.WriteLineAsync(MarkdownReport.Summary(result.Result)).ConfigureAwait(false);
                var host = result.Result.Host;
                if (host is not null)
                    await ctx.Out.WriteLineAsync(host.Describe()).ConfigureAwait(false);
                await ctx.Out.WriteLineAsync($"report written to {Path.GetFullPath(outDir)}: {string.Join(", ", files)}").ConfigureAwait(false);
                // A trial that timed out is a result (shown in the report), not an error of the command.
                return CliAction.Ok;
            });
            return command;
        }

        private static IEnumerable<string> DriverTrials(ScenarioDefinition def, ExperimentOptions o)
            => SimDriver.SelectTrials(def, o.Strategies).Select(p => p.Name);

        private static Command ValidateCommand()
        {
            var files = new Argument<string[]>("files") { Description = "Scenario, cluster or peer definition files", Arity = ArgumentArity.OneOrMore };
            var command = new Command("validate", "Check definition files and name any bad field") { files };
            CliAction.Set(command, async (ctx, ct) =>
            {
                var failed = 0;
                foreach (var f in ctx.Get(files)!)
                {
                    try
                    {
                        var kind = DefinitionReader.Validate(f);
                        await ctx.Out.WriteLineAsync($"{f}: valid {kind}").ConfigureAwait(false);
                    }
                    catch (DefinitionException e)
                    {
                        failed++;
                        await ctx.Error.WriteLineAsync($"invalid: {e.Message}").ConfigureAwait(false);
                    }
                }
                _ = ct;
                return failed == 0 ? CliAction.Ok : CliAction.Failed;
            });
            return command;
        }

        private static Command CompareCommand()
        {
            var a = new Argument<string>("a") { Description = "report.json of run A (or its directory)" };
            var b = new Argument<string>("b") { Description = "report.json of run B (or its directory)" };
            var command = new Command("compare", "Show two Lab runs side by side, trial by trial") { a, b };
            CliAction.Set(command, async (ctx, ct) =>
            {
                static string Resolve(string p) => Directory.Exists(p) ? Path.Combine(p, "report.json") : p;
                var pa = Resolve(ctx.Get(a)!);
                var pb = Resolve(ctx.Get(b)!);
                var text = MarkdownReport.Compare(JsonReport.Load(pa), pa, JsonReport.Load(pb), pb);
                await ctx.Out.WriteLineAsync(text).ConfigureAwait(false);
                _ = ct;
                return CliAction.Ok;
            });
            return command;
        }

        private static Command FlameCommand()
        {
            var trace = new Argument<string>("trace") { Description = "EventPipe trace (.nettrace), e.g. from DOTNET_EnableEventPipe=1; or, with --pid, the file to record into" };
            var output = new Option<string?>("--out", "-o") { Description = "Output prefix (default: the trace's path without .nettrace): writes PREFIX.folded and PREFIX.svg" };
            var pid = new Option<int?>("--pid") { Description = "First sample this running .NET process (e.g. a long `lab run` or a daemon) into TRACE" };
            var seconds = new Option<double>("--seconds") { Description = "With --pid: how long to sample", DefaultValueFactory = _ => 10 };
            var command = new Command("flame", "Turn an EventPipe CPU-sample trace into folded stacks and an SVG flame graph") { trace, output, pid, seconds };
            CliAction.Set(command, async (ctx, ct) =>
            {
                var path = ctx.Get(trace)!;
                var prefix = ctx.Get(output) ?? Path.ChangeExtension(path, null);
                if (ctx.Get(pid) is { } processId)
                {
                    await using var profiler = DaemonProfiler.Start(processId, path);
                    await Task.Delay(TimeSpan.FromSeconds(ctx.Get(seconds)), ct).ConfigureAwait(false);
                    await profiler.StopAsync(ct).ConfigureAwait(false);
                }
                var stacks = EventPipeStacks.Fold(path);
                FlameGraphWriter.WriteFolded(prefix + ".folded", stacks);
                FlameGraphWriter.WriteSvg(prefix + ".svg", stacks, $"{Path.GetFileName(path)}: managed CPU samples (µs)");
                await ctx.Out.WriteLineAsync($"{stacks.Count} stacks, {stacks.Values.Sum() / 1000} samples: {prefix}.folded, {prefix}.svg").ConfigureAwait(false);
                _ = ct;
                return CliAction.Ok;
            });
            return command;
        }

        /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
        private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
        {
            public void Report(T value) => report(value);
        }
    }
}
