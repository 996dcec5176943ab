using System.Runtime.InteropServices;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The seqlock-like protocol Xen uses for every record a guest reads while the hypervisor may rewrite it
/// (vcpu_time_info.version, shared_info.wc_version): make the version odd, write the fields, make it even again,
/// with write barriers between the three steps (Xen's version_update_begin/_end and smp_wmb in
/// __update_vcpu_system_time, xen/arch/x86/time.c). A guest that sees an odd version, or a version that changed while
/// it read, retries.
/// </summary>
public static class VersionedRecord
{
    /// <summary>
    /// Step 1: the version becomes odd, taken from what is in guest memory now (as Xen reads u-&gt;version), and ORed
    /// with 1 so a version that somehow got out of step still reads as "update in progress".
    /// </summary>
    public static uint BeginUpdate(Span<byte> versionField)
    {
        ref uint version = ref MemoryMarshal.AsRef<uint>(versionField);
        uint odd = (Volatile.Read(ref version) + 1) | 1;
        Volatile.Write(ref version, odd);
        Interlocked.MemoryBarrier();
        return odd;
    }

    /// <summary>Step 3: the fields are complete; the version becomes even and the guest may use them.</summary>
    public static uint EndUpdate(Span<byte> versionField)
    {
        Interlocked.MemoryBarrier();
        ref uint version = ref MemoryMarshal.AsRef<uint>(versionField);
        uint even = Volatile.Read(ref version) + 1;
        Volatile.Write(ref version, even);
        return even;
    }
}
