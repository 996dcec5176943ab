namespace Rig.Hypervisor.Coverage;

/// <summary>
/// One handler path of rig-hv a guest input reached: the interface (pio-out, mmio-read, msr-write, hypercall, ...), the
/// handler that took it (a device's type, "lapic", "unbacked", "refused") and a detail that tells its paths apart (the
/// register offset and width, the MSR index, the hypercall's command and outcome).
/// </summary>
public readonly record struct CoverageSite(string Interface, string Handler, ulong Detail);
