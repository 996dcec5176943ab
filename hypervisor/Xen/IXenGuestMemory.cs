namespace Rig.Hypervisor.Xen;

/// <summary>
/// Guest memory as the Xen interface needs it, supplied by the VMM core. Hypercall arguments are guest-linear
/// addresses (Xen's copy_from_guest for an HVM guest walks the guest's page tables), so translation is per vCPU.
/// </summary>
public interface IXenGuestMemory
{
    /// <summary>
    /// The guest-physical address that <paramref name="linear"/> maps to in <paramref name="vcpu"/>'s current address
    /// space, or null when it is not mapped. Called only on that vCPU's own thread, while it is stopped in an exit.
    /// </summary>
    ulong? TranslateLinear(int vcpu, ulong linear);

    /// <summary>
    /// Host view of guest RAM at [gpa, gpa + length), or an empty span when any of it lies outside RAM. The guest may
    /// read it concurrently; writers order their stores with Volatile and barriers.
    /// </summary>
    Span<byte> Physical(ulong gpa, int length);
}
