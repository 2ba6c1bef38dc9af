namespace Shoal.Bitswap;

/// <summary>What a wantlist entry asks for (Bitswap 1.2.0; 1.0/1.1 peers only know <see cref="Block"/>).</summary>
public enum WantType
{
    /// <summary>Send me the block.</summary>
    Block = 0,

    /// <summary>Tell me whether you have the block (HAVE), or send it if it is small.</summary>
    Have = 1,
}
