namespace Shoal.Dht;

/// <summary>Whether this node answers DHT queries.</summary>
public enum DhtMode
{
    /// <summary>Queries others only: no stream handler, so identify does not list the protocol and nobody adds us.</summary>
    Client,

    /// <summary>Answers FIND_NODE/GET_PROVIDERS and stores ADD_PROVIDER records.</summary>
    Server,
}
