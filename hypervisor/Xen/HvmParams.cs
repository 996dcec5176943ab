namespace Rig.Hypervisor.Xen;

/// <summary>
/// The HVM parameters the domain builder sets for a guest to read with HVMOP_get_param (xen/include/public/hvm/params.h):
/// on the xen-pvh machine the PV console's page and event channel, as libxl and xenconsoled set them for a PVH domU. An
/// index below HVM_NR_PARAMS that nobody set reads 0, as in Xen.
/// </summary>
public sealed class HvmParams
{
    public const uint ConsolePfn = 17; // HVM_PARAM_CONSOLE_PFN
    public const uint ConsoleEvtchn = 18; // HVM_PARAM_CONSOLE_EVTCHN

    /// <summary>HVM_NR_PARAMS of Xen 4.17.</summary>
    public const uint Count = 39;

    private readonly ulong[] _values = new ulong[Count];

    public void Set(uint index, ulong value) => Volatile.Write(ref _values[index], value);

    /// <summary>The value, or null for an index Xen refuses (-EINVAL).</summary>
    public ulong? Get(uint index) => index < Count ? Volatile.Read(ref _values[index]) : null;
}
