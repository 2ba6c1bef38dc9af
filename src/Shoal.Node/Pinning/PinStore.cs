using System.Text.Json;
using Shoal.Core;

namespace Shoal.Node;

/// <summary>
/// The set of recursively pinned roots, persisted as pins.json in the repository (atomic rewrite on each
/// change). A pinned root and every block it references survive garbage collection.
/// </summary>
public sealed class PinStore
{
    private readonly string? _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Cid> _pins = new(StringComparer.Ordinal);

    private sealed record PinFile(List<string> Recursive);

    /// <param name="path">pins.json; null keeps pins in memory only (in-memory datastore).</param>
    public PinStore(string? path)
    {
        _path = path;
        if (path is null || !File.Exists(path)) return;
        PinFile? file;
        try { file = JsonSerializer.Deserialize<PinFile>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"pin file {path} is corrupt: {e.Message}", e); }
        foreach (var text in file?.Recursive ?? [])
        {
            var cid = Cid.Parse(text);
            _pins[Key(cid)] = cid;
        }
    }

    /// <summary>Pins are keyed by multihash, like blocks: a v0 and a v1 CID of one root are one pin.</summary>
    private static string Key(Cid cid) => Convert.ToHexString(cid.Hash.Bytes.Span);

    public bool Add(Cid cid)
    {
        lock (_gate)
        {
            if (_pins.ContainsKey(Key(cid))) return false;
            _pins[Key(cid)] = cid;
            Save();
            return true;
        }
    }

    public bool Remove(Cid cid)
    {
        lock (_gate)
        {
            if (!_pins.Remove(Key(cid))) return false;
            Save();
            return true;
        }
    }

    public bool Contains(Cid cid)
    {
        lock (_gate) return _pins.ContainsKey(Key(cid));
    }

    public IReadOnlyList<Cid> List()
    {
        lock (_gate) return [.. _pins.Values];
    }

    private void Save()
    {
        if (_path is null) return;
        var file = new PinFile([.. _pins.Values.Select(c => c.ToString()).Order(StringComparer.Ordinal)]);
        AtomicFile.WriteAllText(_path, JsonSerializer.Serialize(file, new JsonSerializerOptions { WriteIndented = true }));
    }
}
