using System.Text.Json;

namespace Shoal.Lab.Reports;

/// <summary>
/// Writes a trial's transfers as Chrome trace-event JSON (Perfetto and chrome://tracing open it without a
/// server): one process per receiving node, one thread per sending node, one complete event per message
/// (from the start of its transmission to its end), plus each node's fetch as a span.
/// </summary>
public static class ChromeTraceWriter
{
    public static void Write(string path, TrialResult trial, TrialArtifacts artifacts)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ms");
        w.WriteStartObject("otherData");
        w.WriteString("trial", trial.Trial);
        w.WriteString("driver", trial.Driver);
        w.WriteString("clock", trial.Driver == "sim" ? "virtual time" : "wall time");
        w.WriteBoolean("truncated", artifacts.TransfersTruncated);
        w.WriteEndObject();
        w.WriteStartArray("traceEvents");
        for (var i = 0; i < artifacts.NodeNames.Count; i++)
        {
            w.WriteStartObject();
            w.WriteString("name", "process_name");
            w.WriteString("ph", "M");
            w.WriteNumber("pid", i);
            w.WriteStartObject("args");
            w.WriteString("name", artifacts.NodeNames[i]);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        foreach (var (n, i) in trial.Nodes.Select((n, i) => (n, i)))
        {
            if (n.Start is not { } s || n.Finish is not { } f) continue;
            w.WriteStartObject();
            w.WriteString("name", "fetch");
            w.WriteString("cat", "fetch");
            w.WriteString("ph", "X");
            w.WriteNumber("ts", s * 1e6);
            w.WriteNumber("dur", (f - s) * 1e6);
            w.WriteNumber("pid", i);
            w.WriteNumber("tid", -1);
            w.WriteEndObject();
        }
        foreach (var t in artifacts.Transfers)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Kind);
            w.WriteString("cat", "transfer");
            w.WriteString("ph", "X");
            w.WriteNumber("ts", t.Start * 1e6);
            w.WriteNumber("dur", Math.Max(0.001, (t.End - t.Start) * 1e6));
            w.WriteNumber("pid", t.To);
            w.WriteNumber("tid", t.From);
            w.WriteStartObject("args");
            w.WriteString("from", artifacts.NodeNames[t.From]);
            w.WriteNumber("bytes", t.Bytes);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
