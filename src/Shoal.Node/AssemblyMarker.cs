namespace Shoal.Node;
internal static class AssemblyMarker { }
