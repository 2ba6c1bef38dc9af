namespace Shoal.Net;

/// <summary>A connection-level Yamux violation (bad header, window overrun, bad stream id): the session is closed with GoAway(protocol error).</summary>
public sealed class YamuxProtocolException(string message) : IOException(message);

/// <summary>The stream was reset (RST) by the peer or locally, or its connection closed; other streams are unaffected by a reset.</summary>
public sealed class StreamResetException(string message) : IOException(message);
