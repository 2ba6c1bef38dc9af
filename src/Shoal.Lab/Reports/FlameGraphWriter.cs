using System.Globalization;
using System.Net;
using System.Text;

namespace Shoal.Lab.Reports;

/// <summary>Folded stacks (Brendan Gregg's format: "a;b;c 123") and a self-contained SVG flame graph drawn from them.</summary>
public static class FlameGraphWriter
{
    private const int Width = 1200;
    private const int RowHeight = 18;

    public static void WriteFolded(string path, IReadOnlyDictionary<string, long> stacks)
        => File.WriteAllLines(path, stacks.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"));

    public static void WriteSvg(string path, IReadOnlyDictionary<string, long> stacks, string title)
    {
        var root = new Frame("all");
        foreach (var (stack, value) in stacks)
        {
            if (value <= 0) continue;
            var f = root;
            f.Total += value;
            foreach (var name in stack.Split(';'))
            {
                if (!f.Children.TryGetValue(name, out var c)) f.Children[name] = c = new Frame(name);
                c.Total += value;
                f = c;
            }
        }
        var depth = Depth(root);
        var height = (depth + 2) * RowHeight + 30;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"10\" y=\"18\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>");
        Draw(sb, root, 0, Width, 0, height, root.Total);
        sb.Append("</svg>");
        File.WriteAllText(path, sb.ToString());
    }

    private static void Draw(StringBuilder sb, Frame f, double x, double w, int level, int height, long total)
    {
        var y = height - (level + 1) * RowHeight;
        var hue = (Math.Abs(f.Name.GetHashCode(StringComparison.Ordinal)) % 40) + 10;
        var pct = total == 0 ? 0 : f.Total * 100.0 / total;
        sb.Append(CultureInfo.InvariantCulture,
            $"<g><title>{WebUtility.HtmlEncode(f.Name)} ({f.Total} µs, {pct:0.0}%)</title><rect x=\"{x:0.0}\" y=\"{y}\" width=\"{Math.Max(0.5, w - 0.5):0.0}\" height=\"{RowHeight - 1}\" fill=\"hsl({hue},85%,60%)\"/>");
        if (w > 40) sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 3:0.0}\" y=\"{y + 13}\">{WebUtility.HtmlEncode(Fit(f.Name, w))}</text>");
        sb.Append("</g>");
        var cx = x;
        foreach (var c in f.Children.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var cw = f.Total == 0 ? 0 : w * c.Total / f.Total;
            Draw(sb, c, cx, cw, level + 1, height, total);
            cx += cw;
        }
    }

    private static string Fit(string s, double w)
    {
        var chars = (int)(w / 7);
        return s.Length <= chars ? s : chars > 2 ? s[..(chars - 2)] + ".." : "";
    }

    private static int Depth(Frame f) => 1 + (f.Children.Count == 0 ? 0 : f.Children.Values.Max(Depth));

    private sealed class Frame(string name)
    {
        public string Name { get; } = name;
        public long Total { get; set; }
        public Dictionary<string, Frame> Children { get; } = new(StringComparer.Ordinal);
    }
}
