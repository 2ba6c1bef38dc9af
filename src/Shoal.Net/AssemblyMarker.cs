namespace Shoal.Net;
internal static class AssemblyMarker { }
