namespace Shoal.Core;
internal static class AssemblyMarker { }
