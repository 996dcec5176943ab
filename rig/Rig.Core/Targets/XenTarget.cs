using Rig.Config;
using Rig.Hosting;
using Rig.Targets.Xen;

namespace Rig.Targets;

/// <summary>
/// Xen through xl, PVH or HVM guests (<c>machine</c>) booting the probe image as they boot on rig-hv and QEMU. Two ways to reach a dom0, one
/// driver (<see cref="Dom0Agent"/>, kit/rig-agent): <c>accel: tcg</c> is xen-tcg, Debian's Xen booted under QEMU TCG
/// from a kit built from Debian's packages and kept up for the run; no accel is a lab host that is itself a Xen dom0,
/// where the same agent runs beside the local xl.
/// </summary>
public sealed class XenTarget(string name, TargetOptions options, string repoRoot) : ITarget
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(15);
    private readonly Lazy<(TargetAvailability Availability, XenKit? Kit)> _availability = new(() => CheckAvailability(options, repoRoot));

    public string Name { get; } = name;

    private bool UnderTcg => options.Accel == "tcg";

    private bool Hvm => options.Machine == "hvm";

    public TargetAvailability Probe() => _availability.Value.Availability;

    /// <summary>One Xen, one dom0 agent: measured with two xen-tcg cases side by side, the second's xl reply never came (120 s).</summary>
    public bool RunsOneCaseAtATime => true;

    public void Release()
    {
        if (UnderTcg)
        {
            XenTcgMachine.ShutDown(Name);
        }
    }

    public async Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken)
    {
        if (spec.Defect is not null)
        {
            throw new TargetUnsupportedException(Name, $"seed defect {spec.Defect}", "defects-are-reference-only");
        }

        var (availability, kit) = _availability.Value;
        if (!availability.Available)
        {
            throw new TargetUnsupportedException(Name, "boot", availability.Reason ?? "unavailable");
        }

        var probes = Path.GetDirectoryName(Path.GetFullPath(spec.ImagePath))!;
        if (Hvm)
        {
            probes = await HvmProbeImages.DirectoryAsync(probes).ConfigureAwait(false);
            spec = spec with { ImagePath = Path.Combine(probes, Path.GetFileName(spec.ImagePath)) };
        }

        Task<XenDomainVm> CreateOn(IDom0 machine) => XenDomainVm.CreateAsync(Name, machine, spec, Hvm, options.MemoryMb, cancellationToken);
        var dom0 = await Dom0Async(kit, probes).ConfigureAwait(false);
        try
        {
            var vm = await CreateOn(dom0).ConfigureAwait(false);
            if (dom0.Faults.Count == 0 || dom0.Agent.Watched > 1)
            {
                return vm;
            }

            // The case's first guest is up, but dom0 faulted since the machine was handed over (staging, config, create):
            // nothing of the case has been judged yet, so it starts again on a fresh machine as if this one had faulted
            // the case before. A later guest of the case (a density companion) ends its case instead (XenDomainVm).
            await vm.DisposeAsync().ConfigureAwait(false);
            return await CreateOn(await Dom0Async(kit, probes).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException && dom0.Faults.Count > 0 && dom0.Agent.Watched == 0)
        {
            // A create that failed on a dom0 which had faulted says nothing of Xen or the probe (a density VM's config
            // arrived garbled after busybox had segfaulted in dom0): once more on a fresh machine (SharedAsync replaces
            // a faulted one), the first attempt's words kept.
            var fresh = await Dom0Async(kit, probes).ConfigureAwait(false);
            try
            {
                return await CreateOn(fresh).ConfigureAwait(false);
            }
            catch (Exception again) when (again is InvalidOperationException or TimeoutException or IOException)
            {
                throw new InvalidOperationException($"{again.Message}\n(a first create, on a machine whose dom0 had faulted, failed too: {e.Message})", again);
            }
        }
    }

    private async Task<IDom0> Dom0Async(XenKit? kit, string probes) => UnderTcg
        ? await XenTcgMachine.SharedAsync(Name, kit!, Binary()!, options.Cpu, probes).ConfigureAwait(false)
        : await LocalDom0.SharedAsync(AgentScript(repoRoot)).ConfigureAwait(false);

    private string? Binary() => ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary));

    /// <summary>The agent is one script for both dom0s: the kit copies it into its initramfs, a lab runs it from here.</summary>
    public static string AgentScript(string repoRoot) => Path.Combine(repoRoot, "rig", "Rig.Core", "Targets", "Xen", "kit", "rig-agent");

    private static (TargetAvailability, XenKit?) CheckAvailability(TargetOptions options, string repoRoot)
    {
        if (ExecutablePath.Find(RepoRoot.ResolveCommand(repoRoot, options.Binary)) is not { } binary)
        {
            return (TargetAvailability.Unavailable(options.Accel == "tcg"
                ? $"{options.Binary} not found (Debian package qemu-system-x86)"
                : $"{options.Binary} not found: not a Xen host (Xen toolstack not installed)"), null);
        }

        if (options.Machine == "hvm" && HvmProbeImages.Unavailable() is { } why)
        {
            return (TargetAvailability.Unavailable(why), null);
        }

        return options.Accel == "tcg" ? CheckKit(repoRoot) : (CheckLocalDom0(binary), null);
    }

    private static (TargetAvailability, XenKit?) CheckKit(string repoRoot)
    {
        try
        {
            var kit = XenKit.BuildAsync(repoRoot).GetAwaiter().GetResult();
            return (TargetAvailability.Ready($"Xen {kit.XenVersion} (Debian), dom0 Linux {kit.KernelRelease}, under QEMU TCG"), kit);
        }
        catch (Exception e) when (e is XenKitUnavailableException or TimeoutException or InvalidOperationException or IOException)
        {
            return (TargetAvailability.Unavailable($"xen-tcg kit: {e.Message}"), null);
        }
    }

    private static TargetAvailability CheckLocalDom0(string xl)
    {
        // /proc/xen/capabilities reads "control_d" only in dom0, the one domain that can create guests.
        var capabilities = File.Exists("/proc/xen/capabilities") ? File.ReadAllText("/proc/xen/capabilities") : "";
        if (!capabilities.Contains("control_d", StringComparison.Ordinal))
        {
            return TargetAvailability.Unavailable("xl found, but this is not a Xen dom0 (/proc/xen/capabilities lacks control_d)");
        }

        try
        {
            var (code, stdout, stderr) = ChildProcesses.RunAsync(xl, ["info", "xen_version"], ToolTimeout).GetAwaiter().GetResult();
            return code == 0 ? TargetAvailability.Ready("Xen " + stdout.Trim()) : TargetAvailability.Unavailable($"xl info failed: {stderr.Trim()}");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return TargetAvailability.Unavailable($"xl info: {e.Message}");
        }
    }
}
