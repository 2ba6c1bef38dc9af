namespace Shoal.Net;

/// <summary>Key algorithms of the libp2p key envelope (peer-ids spec); values are the protobuf enum numbers.</summary>
public enum KeyType
{
    Rsa = 0,
    Ed25519 = 1,
    Secp256k1 = 2,
    Ecdsa = 3,
}
