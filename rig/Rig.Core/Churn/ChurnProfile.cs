using Rig.Cases;

namespace Rig.Churn;

/// <summary>
/// How hard the host churns (issue 16, seed 002): <see cref="Vms"/> survivor VMs of <see cref="VcpusPerVm"/> vCPUs run
/// throughout; their and the transient VMs' vCPU threads are re-pinned to another host CPU every
/// <see cref="RepinInterval"/>; <see cref="Transients"/> VMs at a time are created, live <see cref="TransientLifetime"/>
/// and are destroyed; <see cref="LoadThreads"/> host threads spin beside them. With <see cref="Collide"/> every destroy
/// is a forced collision: a survivor's vCPU is migrated off the host CPU where the destroyed VM's vCPU dies, at that moment.
/// </summary>
public sealed record ChurnProfile(
    string Name, int Vms, int VcpusPerVm, int Transients, TimeSpan RepinInterval, TimeSpan TransientLifetime, int LoadThreads,
    bool Collide)
{
    /// <summary>Fits 2 host cores shared with other work: 3 survivors × 2 vCPUs, one transient VM at a time.</summary>
    public static ChurnProfile Default { get; } = new(
        "default", Vms: 3, VcpusPerVm: 2, Transients: 1, RepinInterval: TimeSpan.FromMilliseconds(2),
        TransientLifetime: TimeSpan.FromMilliseconds(300), LoadThreads: 1, Collide: true);

    /// <summary>
    /// Seed 000's density: 20 VMs × 4 vCPUs and four transients at a time on a 24-core lab host, a spinner per 4 CPUs.
    /// A smaller host gets the same density per host CPU (on 2 cores: 2 VMs × 4 vCPUs, one transient), so the lab's
    /// re-pin rate and window can be run and measured anywhere without starving the host.
    /// </summary>
    public static ChurnProfile Lab { get; } = ScaledLab(Environment.ProcessorCount);

    /// <summary>Host CPUs of the lab machine the lab profile's counts are written for.</summary>
    public const int LabHostCpus = 24;

    public static ChurnProfile ScaledLab(int hostCpus) => new(
        "lab", Vms: Math.Clamp(20 * hostCpus / LabHostCpus, 2, 20), VcpusPerVm: 4, Transients: Math.Clamp(4 * hostCpus / LabHostCpus, 1, 4),
        RepinInterval: TimeSpan.FromMilliseconds(0.25), TransientLifetime: TimeSpan.FromMilliseconds(300),
        LoadThreads: Math.Max(1, hostCpus / 4), Collide: true);

    /// <summary>The run's profile (rig.json <c>profile</c>).</summary>
    public static ChurnProfile ForRun() => Profile.IsLab ? Lab : Default;
}
