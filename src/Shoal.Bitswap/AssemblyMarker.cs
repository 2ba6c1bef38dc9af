namespace Shoal.Bitswap;
internal static class AssemblyMarker { }
