namespace Rig.Hypervisor.Xen;

/// <summary>
/// The Xen release the interface presents itself as: 4.19, recent enough that vcpu_time_info has its flags byte
/// (interface version &gt; 0x040600) and CPUID leaf 0x40000x03 describes time.
/// </summary>
public static class XenInterfaceVersion
{
    public const ushort Major = 4;
    public const ushort Minor = 19;

    /// <summary>XENVER_extraversion: at most XEN_EXTRAVERSION_LEN (16) bytes with the terminating NUL.</summary>
    public const string ExtraVersion = ".0-rig";

    /// <summary>CPUID leaf 0x40000x01 EAX and XENVER_version's result: major in bits 31:16, minor in 15:0.</summary>
    public const uint Packed = ((uint)Major << 16) | Minor;
}
