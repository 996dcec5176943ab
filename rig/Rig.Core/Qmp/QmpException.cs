namespace Rig.Qmp;

/// <summary>The server answered a command with an error (QMP spec: <c>{"error": {"class": ..., "desc": ...}}</c>).</summary>
public sealed class QmpCommandException(string command, string errorClass, string description)
    : Exception($"QMP '{command}' failed: {errorClass}: {description}")
{
    public string Command { get; } = command;

    public string ErrorClass { get; } = errorClass;

    public string Description { get; } = description;
}

/// <summary>The connection is unusable: closed by the server, timed out, or the server spoke something that is not QMP.</summary>
public sealed class QmpConnectionException(string message, Exception? inner = null) : Exception(message, inner);
