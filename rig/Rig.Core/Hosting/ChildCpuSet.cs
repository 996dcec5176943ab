namespace Rig.Hosting;

/// <summary>
/// The host CPUs the VMMs started on this async flow may run on: <c>rig run --jobs N</c> gives each concurrent row its
/// own set, and every process <see cref="ChildProcesses"/> starts for that row (its VM, its companions) is forked with
/// that affinity, which all of the VMM's threads inherit. Null (the default, and a quiet-host row) leaves them unpinned.
/// </summary>
public static class ChildCpuSet
{
    private static readonly AsyncLocal<IReadOnlyList<int>?> Flow = new();

    public static IReadOnlyList<int>? Current => Flow.Value;

    /// <summary>Pins the children of the calling flow from here on (the runner calls it at the start of a row).</summary>
    public static void Use(IReadOnlyList<int>? cpus) => Flow.Value = cpus;
}
