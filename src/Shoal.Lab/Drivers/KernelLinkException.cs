namespace Shoal.Lab.Drivers;

/// <summary>Kernel links could not be set up or used (not root, iproute2 missing, a command failed).</summary>
public sealed class KernelLinkException(string message) : Exception(message);
