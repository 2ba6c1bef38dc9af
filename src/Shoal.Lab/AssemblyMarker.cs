namespace Shoal.Lab;
internal static class AssemblyMarker { }
