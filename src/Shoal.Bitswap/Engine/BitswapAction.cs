using Shoal.Core;
using Shoal.Net;

namespace Shoal.Bitswap;

/// <summary>Something the core asks its host to do. The core never does I/O; after each input the host
/// drains the actions (<see cref="BitswapEngine.DrainActions"/>) and carries them out.</summary>
public abstract record BitswapAction;

/// <summary>Send <paramref name="Message"/> to <paramref name="Peer"/>. When <paramref name="ServerWork"/> &gt; 0
/// the host must call <see cref="BitswapEngine.MessageSent"/> with the same value once the message is
/// written (or failed): that is the server's flow control.</summary>
public sealed record SendMessage(PeerId Peer, BitswapMessage Message, int ServerWork) : BitswapAction;

/// <summary>Persist a verified block, then call <see cref="BitswapEngine.BlockStored"/> so peers that want
/// it are served (reseeding).</summary>
public sealed record StoreBlock(Block Block) : BitswapAction;

/// <summary>A block a session wanted has arrived (verified) or was found locally.</summary>
public sealed record BlockDelivered(long Session, Block Block) : BitswapAction;

/// <summary>The session has no wants left (a DAG session: the whole DAG is local).</summary>
public sealed record SessionCompleted(long Session) : BitswapAction;

/// <summary>A DAG session met a block it cannot decode; the session stops.</summary>
public sealed record SessionFailed(long Session, Cid Cid, string Reason) : BitswapAction;

/// <summary>Ask the content routing for up to <paramref name="MaxProviders"/> providers of <paramref name="Cid"/>,
/// then report them with <see cref="BitswapEngine.ProvidersFound"/>.</summary>
public sealed record FindProviders(Cid Cid, int MaxProviders) : BitswapAction;

/// <summary>Connect to a provider; report <see cref="BitswapEngine.PeerConnected"/> when Bitswap can talk to it.</summary>
public sealed record ConnectTo(PeerId Peer) : BitswapAction;

/// <summary>The peer misbehaved (lying blocks); close its connection.</summary>
public sealed record DisconnectPeer(PeerId Peer, string Reason) : BitswapAction;
