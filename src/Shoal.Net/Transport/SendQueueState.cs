namespace Shoal.Net;

/// <summary>How far a connection's outgoing bytes have got: <see cref="Written"/> counts every byte handed to the kernel
/// since the connection opened (Noise and Yamux framing included), <see cref="Unsent"/> the bytes of those the kernel has
/// not put on the wire yet. So <see cref="LeftHost"/> = <c>Written - Unsent</c> bytes have left this host.</summary>
public readonly record struct SendQueueState(long Written, long Unsent)
{
    /// <summary>Bytes of the connection that have left this host (written and put on the wire by the kernel).</summary>
    public long LeftHost => Written - Unsent;
}
