namespace Rig.Targets;

/// <summary>A hypervisor the rig can boot a probe on. Every target is driven the same way (DESIGN.md "Targets").</summary>
public interface ITarget
{
    string Name { get; }

    /// <summary>Checks honestly whether this target can run here (binary, /dev/kvm, accelerator). Cheap after the first call.</summary>
    TargetAvailability Probe();

    Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken);

    /// <summary>
    /// True where every case shares one machine that serves one case at a time (a Xen host's dom0 toolstack driven
    /// through one agent): the runner then gives this target's rows no neighbours, whatever <c>--jobs</c> says.
    /// </summary>
    bool RunsOneCaseAtATime => false;

    /// <summary>Called once the run has no more rows for this target: a machine kept up for them is shut down.</summary>
    void Release()
    {
    }
}
