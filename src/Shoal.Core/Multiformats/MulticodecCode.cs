namespace Shoal.Core;

/// <summary>Multicodec table entries Shoal uses (multiformats/multicodec table.csv).</summary>
public static class MulticodecCode
{
    public const ulong Identity = 0x00;
    public const ulong Sha1 = 0x11;
    public const ulong Sha2_256 = 0x12;
    public const ulong Sha2_512 = 0x13;
    public const ulong Blake3 = 0x1e;
    public const ulong Cidv1 = 0x01;
    public const ulong Raw = 0x55;
    public const ulong DagPb = 0x70;
    public const ulong DagCbor = 0x71;
    public const ulong Libp2pKey = 0x72;
    public const ulong DagJson = 0x0129;
    public const ulong Car = 0x0202;

    /// <summary>Human name for the codes in this table, or the hex code.</summary>
    public static string NameOf(ulong code) => code switch
    {
        Identity => "identity",
        Sha1 => "sha1",
        Sha2_256 => "sha2-256",
        Sha2_512 => "sha2-512",
        Blake3 => "blake3",
        Raw => "raw",
        DagPb => "dag-pb",
        DagCbor => "dag-cbor",
        Libp2pKey => "libp2p-key",
        DagJson => "dag-json",
        Car => "car",
        _ => "0x" + code.ToString("x"),
    };
}
