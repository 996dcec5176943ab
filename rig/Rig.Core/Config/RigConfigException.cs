namespace Rig.Config;

/// <summary>Configuration the rig cannot run with; the message starts with the offending key.</summary>
public sealed class RigConfigException(string message, Exception? inner = null) : Exception(message, inner);
