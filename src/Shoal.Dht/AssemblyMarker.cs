namespace Shoal.Dht;
internal static class AssemblyMarker { }
