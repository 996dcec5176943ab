using Rig.Hosting;
using Rig.Targets;
using Rig.Tests.Cli;
using Rig.Tests.Store;

namespace Rig.Tests.Faults;

/// <summary>
/// Skips, saying why, unless the rig, rig-hv and the smoke suite are built and /dev/kvm opens (rig-hv, and the fake
/// VMM, which stands in a `reference`-kind target, are available only then); with <c>qemu: true</c> QEMU too, with
/// <c>tmpfs: true</c> the right to mount a tmpfs (root with CAP_SYS_ADMIN), tried once, and with <c>postgres: true</c> a
/// throwaway PostgreSQL cluster (<see cref="TemporaryPostgres"/>).
/// </summary>
public sealed class HostFaultFactAttribute : FactAttribute
{
    /// <summary>The host-fault tests run one at a time: each starts VMMs and kills things, and must not time its neighbours.</summary>
    public const string Collection = "host faults";

    private static readonly Lazy<string?> TmpfsProblem = new(TryTmpfs);

    public HostFaultFactAttribute(bool qemu = false, bool tmpfs = false, bool postgres = false)
    {
        if (!File.Exists(RequiresQemuAndSmokeSuiteFactAttribute.SmokeSuiteDll) || !File.Exists(FaultCheckout.RigHv))
        {
            Skip = $"the smoke suite or rig-hv is not built ({RequiresQemuAndSmokeSuiteFactAttribute.SmokeSuiteDll}, {FaultCheckout.RigHv}): ./run.sh builds all";
        }
        else if (KvmDevice.ProblemOpening() is { } problem)
        {
            Skip = $"rig-hv cannot run here: {problem}";
        }
        else if (qemu && ExecutablePath.Find("qemu-system-x86_64") is null)
        {
            Skip = "qemu-system-x86_64 not found on PATH (Debian package qemu-system-x86)";
        }
        else if (tmpfs && TmpfsProblem.Value is { } tmpfsProblem)
        {
            Skip = $"cannot mount a tmpfs to fill (root with CAP_SYS_ADMIN is needed): {tmpfsProblem}";
        }
        else if (postgres && TemporaryPostgres.Shared.Value.Failure is { } postgresProblem)
        {
            Skip = $"PostgreSQL cannot start here: {postgresProblem}";
        }
    }

    /// <summary>Mounts a tmpfs (<paramref name="size"/>, e.g. 64m) on <paramref name="directory"/>; the error text, or null.</summary>
    public static string? MountTmpfs(string directory, string size)
    {
        var (code, _, stderr) = ChildProcesses.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={size}", "tmpfs", directory], TimeSpan.FromSeconds(10))
            .GetAwaiter().GetResult();
        return code == 0 ? null : $"mount exited {code}: {stderr.Trim()}";
    }

    public static void Unmount(string directory) =>
        ChildProcesses.RunAsync("umount", ["-l", directory], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();

    private static string? TryTmpfs()
    {
        var probe = Directory.CreateTempSubdirectory("rig-tmpfs-probe-");
        try
        {
            var problem = MountTmpfs(probe.FullName, "1m");
            if (problem is null)
            {
                Unmount(probe.FullName);
            }

            return problem;
        }
        finally
        {
            probe.Delete();
        }
    }
}
