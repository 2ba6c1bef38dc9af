namespace Shoal.Dht;

/// <summary>Why a lookup finished.</summary>
public enum LookupEndReason
{
    /// <summary>Still running.</summary>
    None,

    /// <summary>The k closest peers seen have all answered.</summary>
    Converged,

    /// <summary>Every known peer was asked and fewer than k answered (small or broken network).</summary>
    Exhausted,

    /// <summary>GET_PROVIDERS collected as many providers as asked for.</summary>
    EnoughProviders,

    /// <summary>The driver stopped it.</summary>
    Cancelled,
}
