using Shoal.Core;

namespace Shoal.Registry;

/// <summary>
/// A UnixFS file DAG's bytes in order from an offset, with up to <c>window</c> blocks fetched ahead at once so
/// that a session can take them from several peers in parallel. Children wholly before the offset are never
/// fetched (their sizes come from the parent's blocksizes). Blocks come from <c>getBlock</c>, which verifies them.
/// </summary>
internal sealed class UnixFsDagStream : ReadOnlyStream
{
    private readonly Func<Cid, CancellationToken, ValueTask<Block>> _getBlock;
    private readonly int _window;
    private readonly LinkedList<Pending> _queue = new();
    private readonly CancellationTokenSource _stop = new();
    private ReadOnlyMemory<byte> _current;
    private long _skip;

    public UnixFsDagStream(Cid root, long offset, int window, Func<Cid, CancellationToken, ValueTask<Block>> getBlock)
    {
        _getBlock = getBlock;
        _window = window;
        _skip = offset;
        _queue.AddFirst(new Pending(root));
    }

    private sealed class Pending(Cid cid)
    {
        public Cid Cid { get; } = cid;
        public Task<Block>? Fetch { get; set; }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (_current.IsEmpty)
        {
            if (_queue.First is null) return 0;
            StartFetches();
            var head = _queue.First;
            var block = await head.Value.Fetch!.WaitAsync(ct).ConfigureAwait(false);
            _queue.RemoveFirst();
            var data = Expand(block, head.Value.Cid);
            if (_skip > 0)
            {
                var s = (int)Math.Min(_skip, data.Length);
                data = data[s..];
                _skip -= s;
            }
            _current = data;
        }
        var n = Math.Min(buffer.Length, _current.Length);
        _current[..n].CopyTo(buffer);
        _current = _current[n..];
        return n;
    }

    private void StartFetches()
    {
        var node = _queue.First;
        for (var i = 0; i < _window && node is not null; i++, node = node.Next)
            node.Value.Fetch ??= _getBlock(node.Value.Cid, _stop.Token).AsTask();
    }

    /// <summary>Returns the block's own bytes and queues its children (in order) ahead of what was queued.</summary>
    private ReadOnlyMemory<byte> Expand(Block block, Cid cid)
    {
        if (cid.Codec == MulticodecCode.Raw) return block.Data;
        if (cid.Codec != MulticodecCode.DagPb) throw new InvalidDataException($"{cid}: codec {MulticodecCode.NameOf(cid.Codec)} is not a UnixFS file block");
        DagPbNode node;
        UnixFsData unix;
        try
        {
            node = DagPb.Decode(block.Data.Span);
            if (node.Data is not { } payload) throw new FormatException("dag-pb node without UnixFS data");
            unix = UnixFsData.Decode(payload.Span);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{cid}: not a UnixFS file node: {e.Message}", e);
        }
        if (unix.Type is not (UnixFsType.File or UnixFsType.Raw)) throw new InvalidDataException($"{cid}: UnixFS {unix.Type} is not a file");
        if (node.Links.Count > 0)
        {
            if (unix.BlockSizes.Count != node.Links.Count) throw new InvalidDataException($"{cid}: {node.Links.Count} links but {unix.BlockSizes.Count} blocksizes");
            var own = unix.Data?.Length ?? 0;
            var skipChildren = Math.Max(0, _skip - own);
            LinkedListNode<Pending>? anchor = null;
            for (var i = 0; i < node.Links.Count; i++)
            {
                var size = (long)unix.BlockSizes[i];
                if (skipChildren >= size && size > 0)
                {
                    skipChildren -= size;
                    _skip -= size;
                    continue;
                }
                skipChildren = 0; // the offset falls in this child: keep it and every child after it
                var pending = new Pending(node.Links[i].Hash);
                anchor = anchor is null ? _queue.AddFirst(pending) : _queue.AddAfter(anchor, pending);
            }
        }
        return unix.Data ?? ReadOnlyMemory<byte>.Empty;
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var pending in _queue)
            if (pending.Fetch is { } t)
                try { await t.ConfigureAwait(false); } catch (Exception) { } // cancelled or failed prefetches: nobody needs them now
        _queue.Clear();
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_stop.IsCancellationRequested)
        {
            try { _stop.Cancel(); } catch (ObjectDisposedException) { }
        }
        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
}
