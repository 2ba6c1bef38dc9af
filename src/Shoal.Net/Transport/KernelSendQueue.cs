using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Shoal.Net;

/// <summary>Reads a TCP socket's bytes not yet sent (Linux <c>SIOCOUTQNSD</c>: queued in the send buffer, not on the
/// wire). Elsewhere, or if the call fails, it reports nothing and callers fall back to "written = sent".</summary>
internal static partial class KernelSendQueue
{
    /// <summary>Linux ioctl: bytes in a TCP socket's send queue not yet sent (include/uapi/linux/sockios.h).</summary>
    private const nuint SiocOutqNsd = 0x894B;

    private static bool _unsupported = !OperatingSystem.IsLinux();

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(nint fd, nuint request, out int value);

    public static int? Unsent(Socket socket)
    {
        if (_unsupported) return null;
        try
        {
            if (Ioctl(socket.Handle, SiocOutqNsd, out int value) == 0) return value;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException)
        {
            if (e is not ObjectDisposedException) _unsupported = true;
        }
        return null;
    }
}
