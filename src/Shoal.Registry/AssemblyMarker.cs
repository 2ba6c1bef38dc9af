namespace Shoal.Registry;
internal static class AssemblyMarker { }
