using System.Text;

namespace Shoal.Lab.Definitions;

/// <summary>
/// Selects nodes, in p2plab's style: a label or group name (<c>leechers</c>, <c>'us-west'</c>), <c>*</c> for all,
/// <c>(not Q)</c>, <c>(and Q ...)</c>, <c>(or Q ...)</c>, and <c>(random N Q)</c> for N nodes of Q picked with the
/// scenario's seeded random source. Results are in node order.
/// </summary>
public abstract class NodeQuery
{
    public string Text { get; private init; } = "";

    public abstract IEnumerable<ClusterNode> Evaluate(IReadOnlyList<ClusterNode> all, Random random);

    /// <summary>The selected nodes, sorted by index and de-duplicated.</summary>
    public IReadOnlyList<ClusterNode> Select(IReadOnlyList<ClusterNode> all, Random random)
        => Evaluate(all, random).DistinctBy(n => n.Index).OrderBy(n => n.Index).ToList();

    public override string ToString() => Text;

    /// <summary>Parses query text; throws <see cref="FormatException"/> saying where it is wrong.</summary>
    public static NodeQuery Parse(string text)
    {
        var tokens = Tokenize(text);
        var pos = 0;
        var q = ParseExpr(tokens, ref pos, text);
        if (pos != tokens.Count) throw new FormatException($"unexpected '{tokens[pos].Value}' after the end of the query at {tokens[pos].Offset}");
        return q.WithText(text.Trim());
    }

    private NodeQuery WithText(string text) => this switch
    {
        LabelQuery l => new LabelQuery(l.Label) { Text = text },
        NotQuery n => new NotQuery(n.Inner) { Text = text },
        AndQuery a => new AndQuery(a.Parts) { Text = text },
        OrQuery o => new OrQuery(o.Parts) { Text = text },
        RandomQuery r => new RandomQuery(r.Count, r.Inner) { Text = text },
        _ => this,
    };

    private readonly record struct Token(string Value, bool Quoted, int Offset);

    private static List<Token> Tokenize(string text)
    {
        var list = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) || c == ',') { i++; continue; }
            if (c is '(' or ')') { list.Add(new Token(c.ToString(), false, i)); i++; continue; }
            if (c is '\'' or '"')
            {
                var end = text.IndexOf(c, i + 1);
                if (end < 0) throw new FormatException($"unterminated quote starting at {i}");
                list.Add(new Token(text[(i + 1)..end], true, i));
                i = end + 1;
                continue;
            }
            var sb = new StringBuilder();
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')' and not '\'' and not '"' and not ',') sb.Append(text[i++]);
            list.Add(new Token(sb.ToString(), false, start));
        }
        if (list.Count == 0) throw new FormatException("empty query");
        return list;
    }

    private static NodeQuery ParseExpr(List<Token> t, ref int pos, string text)
    {
        if (pos >= t.Count) throw new FormatException("query ends too early");
        var tok = t[pos++];
        if (tok.Quoted || (tok.Value != "(" && tok.Value != ")"))
        {
            if (!tok.Quoted && tok.Value is "not" or "and" or "or" or "random")
                throw new FormatException($"'{tok.Value}' at {tok.Offset} must open a parenthesis: ({tok.Value} ...)");
            return new LabelQuery(tok.Value);
        }
        if (tok.Value == ")") throw new FormatException($"unexpected ')' at {tok.Offset}");
        if (pos >= t.Count) throw new FormatException("query ends after '('");
        var op = t[pos++];
        NodeQuery result;
        switch (op.Quoted ? "" : op.Value)
        {
            case "not":
                result = new NotQuery(ParseExpr(t, ref pos, text));
                break;
            case "and":
            case "or":
                var parts = new List<NodeQuery>();
                while (pos < t.Count && !(t[pos].Value == ")" && !t[pos].Quoted)) parts.Add(ParseExpr(t, ref pos, text));
                if (parts.Count == 0) throw new FormatException($"'{op.Value}' at {op.Offset} needs at least one operand");
                result = op.Value == "and" ? new AndQuery(parts) : new OrQuery(parts);
                break;
            case "random":
                if (pos >= t.Count || !int.TryParse(t[pos].Value, out var n) || n < 0)
                    throw new FormatException($"'random' at {op.Offset} needs a count: (random N query)");
                pos++;
                result = new RandomQuery(n, ParseExpr(t, ref pos, text));
                break;
            default:
                // "(label)" is allowed and means the label itself.
                pos--;
                result = ParseExpr(t, ref pos, text);
                break;
        }
        if (pos >= t.Count || t[pos].Value != ")" || t[pos].Quoted) throw new FormatException($"missing ')' for '(' at {tok.Offset}");
        pos++;
        return result;
    }

    private sealed class LabelQuery(string label) : NodeQuery
    {
        public string Label { get; } = label;
        public override IEnumerable<ClusterNode> Evaluate(IReadOnlyList<ClusterNode> all, Random random)
            => Label is "*" or "all" ? all : all.Where(n => n.Labels.Contains(Label));
    }

    private sealed class NotQuery(NodeQuery inner) : NodeQuery
    {
        public NodeQuery Inner { get; } = inner;
        public override IEnumerable<ClusterNode> Evaluate(IReadOnlyList<ClusterNode> all, Random random)
        {
            var excluded = Inner.Evaluate(all, random).Select(n => n.Index).ToHashSet();
            return all.Where(n => !excluded.Contains(n.Index));
        }
    }

    private sealed class AndQuery(IReadOnlyList<NodeQuery> parts) : NodeQuery
    {
        public IReadOnlyList<NodeQuery> Parts { get; } = parts;
        public override IEnumerable<ClusterNode> Evaluate(IReadOnlyList<ClusterNode> all, Random random)
        {
            IEnumerable<ClusterNode> acc = Parts[0].Evaluate(all, random).ToList();
            foreach (var p in Parts.Skip(1))
            {
                var set = p.Evaluate(all, random).Select(n => n.Index).ToHashSet();
                acc = acc.Where(n => set.Contains(n.Index)).ToList();
            }
            return acc;
        }
    }

    private sealed class OrQuery(IReadOnlyList<NodeQuery> parts) : NodeQuery
    {
        public IReadOnlyList<NodeQuery> Parts { get; } = parts;
        public override IEnumerable<ClusterNode> Evaluate(IReadOnlyList<ClusterNode> all, Random random)
            => Parts.SelectMany(p => p.Evaluate(all, random)).DistinctBy(n => n.Index).OrderBy(n => n.Index).ToList();
    }

    private sealed class RandomQuery(int count, NodeQuery inner) : NodeQuery
    {
        public int Count { get; } = count;
        public NodeQuery Inner { get; } = inner;
        public override IEnumerable<ClusterNode> Evaluate(IReadOnlyList<ClusterNode> all, Random random)
        {
            var pool = Inner.Evaluate(all, random).OrderBy(n => n.Index).ToArray();
            if (Count > pool.Length) throw new InvalidOperationException($"(random {Count} ...) asks for more nodes than the {pool.Length} that match");
            random.Shuffle(pool);
            return pool.Take(Count).OrderBy(n => n.Index).ToList();
        }
    }
}
