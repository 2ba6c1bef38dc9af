namespace Shoal.Lab.Drivers;

/// <summary>Bytes (Ethernet frames, headers included) and packets dropped on one node's shaped links, from the tc qdisc counters.</summary>
public readonly record struct LinkCounter(string Node, long UploadBytes, long DownloadBytes, long UploadDrops, long DownloadDrops)
{
    public static LinkCounter operator -(LinkCounter a, LinkCounter b)
        => new(a.Node, a.UploadBytes - b.UploadBytes, a.DownloadBytes - b.DownloadBytes, a.UploadDrops - b.UploadDrops, a.DownloadDrops - b.DownloadDrops);
}
