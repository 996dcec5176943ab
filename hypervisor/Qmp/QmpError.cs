namespace Rig.Hypervisor.Qmp;

/// <summary>
/// A command failed in a way the client is told about: becomes <c>{"error": {"class": ..., "desc": ...}}</c>.
/// The classes are QEMU's (qapi/error.json); clients branch on them, so the server never invents new ones.
/// </summary>
public sealed class QmpError(string errorClass, string description) : Exception(description)
{
    public const string GenericError = "GenericError";
    public const string CommandNotFound = "CommandNotFound";

    public string ErrorClass { get; } = errorClass;

    public static QmpError Generic(string description) => new(GenericError, description);
}
