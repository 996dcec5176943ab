namespace Rig.Targets;

/// <summary>Whether /dev/kvm can be opened read-write by this process — the first thing any KVM target needs.</summary>
public static class KvmDevice
{
    public const string Path = "/dev/kvm";

    /// <summary>Null when usable, otherwise the reason.</summary>
    public static string? ProblemOpening()
    {
        if (!File.Exists(Path))
        {
            return $"{Path} does not exist (no KVM on this host, or not passed into this container)";
        }

        try
        {
            using var handle = File.OpenHandle(Path, FileMode.Open, FileAccess.ReadWrite);
            return null;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return $"{Path} cannot be opened read-write: {e.Message}";
        }
    }
}
