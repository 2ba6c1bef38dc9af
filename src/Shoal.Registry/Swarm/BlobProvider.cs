using Shoal.Core;

namespace Shoal.Registry;

/// <summary>A peer that says it holds a blob, as the DAG <paramref name="Root"/> of <paramref name="Length"/> bytes.
/// A claim, not a fact: the blob's digest is checked over the whole content before it is believed.</summary>
public sealed record BlobProvider(string Peer, Cid Root, long Length);
