namespace Rig.Hypervisor.Xen;

/// <summary>
/// The Xen interface's hypervisor-side state a snapshot must carry: where the guest placed shared_info and its vCPU
/// time areas. Everything else (the records, the hypercall page) is in guest RAM and comes back with it.
/// </summary>
public sealed record XenGuestState(ulong? SharedInfoGpa, IReadOnlyList<ulong?> TimeAreaGpas);
