using System.Diagnostics;
using System.Runtime.CompilerServices;
using Shoal.Lab.Drivers;
using Shoal.Lab.Reports;

namespace Shoal.Lab.Tests;

/// <summary>EventPipe CPU sampling of a live .NET process, folded into flame-graph stacks.</summary>
public class ProfileTests
{
    [Fact]
    public async Task Samples_of_a_running_process_fold_into_stacks_naming_its_methods()
    {
        var dir = Directory.CreateTempSubdirectory("shoal-lab-profile-test");
        try
        {
            var path = Path.Combine(dir.FullName, "self.nettrace");
            await using (var profiler = DaemonProfiler.Start(Environment.ProcessId, path))
            {
                BusyFor(TimeSpan.FromMilliseconds(400));
                Assert.True(await profiler.StopAsync(CancellationToken.None), "the session should end with its rundown");
            }
            var stacks = EventPipeStacks.Fold(path, "self");
            Assert.NotEmpty(stacks);
            Assert.All(stacks.Keys, k => Assert.StartsWith("self;", k));
            Assert.Contains(stacks, kv => kv.Key.Contains(nameof(BusyFor), StringComparison.Ordinal) && kv.Value > 0);

            var svg = Path.Combine(dir.FullName, "flame.svg");
            FlameGraphWriter.WriteSvg(svg, stacks, "self");
            Assert.Contains(nameof(BusyFor), File.ReadAllText(svg), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double BusyFor(TimeSpan time)
    {
        var sw = Stopwatch.StartNew();
        var x = 1.0;
        while (sw.Elapsed < time)
            for (var i = 0; i < 10_000; i++) x = Math.Sqrt(x + i);
        return x;
    }
}
