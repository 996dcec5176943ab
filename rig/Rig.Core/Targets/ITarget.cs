namespace Rig.Targets;

/// <summary>A hypervisor the rig can boot a probe on. Every target is driven the same way (DESIGN.md "Targets").</summary>
public interface ITarget
{
    string Name { get; }

    /// <summary>Checks honestly whether this target can run here (binary, /dev/kvm, accelerator). Cheap after the first call.</summary>
    TargetAvailability Probe();

    Task<IVm> BootAsync(VmSpec spec, CancellationToken cancellationToken);
}
