using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Shoal.Lab.Reports;

/// <summary>
/// Turns an EventPipe trace (a <c>.nettrace</c> file with the runtime's sample profiler and method rundown) into
/// folded stacks for <see cref="FlameGraphWriter"/>: one entry per distinct call stack, root first, valued in
/// microseconds (each sample stands for one <see cref="SampleIntervalMicros"/> interval of one thread). Only samples
/// taken while a thread ran managed code count, so idle and blocked threads do not bury the CPU time.
/// </summary>
public static class EventPipeStacks
{
    /// <summary>The runtime's sample profiler takes one stack per managed thread every millisecond.</summary>
    public const long SampleIntervalMicros = 1000;

    /// <summary>The runtime's sample profiler pseudo-provider, Microsoft-DotNETCore-SampleProfiler.</summary>
    private static readonly Guid SampleProfilerProvider = new("3c530d44-97ae-513a-1e6d-783e8f8e03a9");

    /// <summary>The sample's type when the thread was running managed code.</summary>
    private const int ManagedSample = 2;

    /// <summary>Deeper stacks are cut at the root end (async state machines can nest very deep).</summary>
    private const int MaxFrames = 128;

    public static Dictionary<string, long> Fold(string nettracePath, string? rootFrame = null)
    {
        var stacks = new Dictionary<string, long>(StringComparer.Ordinal);
        var etlx = Path.ChangeExtension(nettracePath, ".etlx");
        TraceLog.CreateFromEventPipeDataFile(nettracePath, etlx);
        try
        {
            using var log = new TraceLog(etlx);
            using var source = log.Events.GetSource();
            var frames = new List<string>();
            source.AllEvents += sample =>
            {
                if (sample.ProviderGuid != SampleProfilerProvider) return;
                // The sample's payload is one int: 1 = the thread was outside managed code (waiting or native), 2 = running managed code.
                var payload = sample.EventData();
                if (payload.Length < 4 || BitConverter.ToInt32(payload, 0) != ManagedSample) return;
                frames.Clear();
                for (var cs = sample.CallStack(); cs is not null && frames.Count < MaxFrames; cs = cs.Caller)
                    frames.Add(FrameName(cs.CodeAddress));
                if (frames.Count == 0) return;
                frames.Reverse();
                var key = (rootFrame is null ? "" : rootFrame + ";") + string.Join(';', frames);
                stacks[key] = stacks.GetValueOrDefault(key) + SampleIntervalMicros;
            };
            source.Process();
        }
        finally
        {
            try { File.Delete(etlx); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
        return stacks;
    }

    private static string FrameName(TraceCodeAddress address)
    {
        var name = address.FullMethodName;
        if (string.IsNullOrEmpty(name)) name = (string.IsNullOrEmpty(address.ModuleName) ? "?" : address.ModuleName) + "!?";
        // Folded stacks use ';' between frames and ' ' before the value.
        return name.Replace(';', ',').Replace(' ', '_');
    }
}
