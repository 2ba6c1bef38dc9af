namespace Shoal.Registry;

/// <summary>One place a download can take a blob's bytes from, resumable at an offset.</summary>
/// <param name="Kind">"peers" or "upstream": what metrics and logs call it.</param>
/// <param name="Open">Opens the bytes from an offset; returns the stream and the blob's total length (-1 unknown),
/// or null when this origin does not have the blob.</param>
/// <param name="Source">The swarm source behind a "peers" origin, rejected when its bytes do not verify.</param>
/// <param name="OpenedSource">For a "peers" origin that finds its source when opened: that source, once known.</param>
/// <param name="TransientRetries">How many more times to open this origin (resuming where it stopped) after a
/// connection-level failure such as a reset or refused connection.</param>
public sealed record BlobOrigin(string Kind, Func<long, CancellationToken, Task<(Stream Content, long Length)?>> Open, BlobSource? Source = null,
    Func<BlobSource?>? OpenedSource = null, int TransientRetries = 0)
{
    public const string Peers = "peers";
    public const string Upstream = "upstream";
}
