using System.Buffers.Binary;
using System.Text;

namespace Rig.Hypervisor.Xen;

/// <summary>__HYPERVISOR_xen_version (xen/include/public/version.h): cmd in RDI, argument pointer in RSI.</summary>
public sealed class XenVersionHypercall(IXenGuestMemory memory)
{
    public const ulong Version = 0;
    public const ulong ExtraVersion = 1;
    public const ulong GetFeatures = 6;
    public const ulong PageSize = 7;

    /// <summary>XEN_EXTRAVERSION_LEN.</summary>
    public const int ExtraVersionLength = 16;

    /// <summary>
    /// XENVER_get_features sub-map 0 (xen/include/public/features.h): XENFEAT_auto_translated_physmap (2), true of
    /// every HVM guest, and XENFEAT_hvm_safe_pvclock (9), which tells an HVM guest the vcpu_time_info is usable.
    /// </summary>
    public const uint FeatureSubmap0 = (1u << 2) | (1u << 9);

    public long Handle(int vcpu, HypercallArguments arguments) => arguments.Rdi switch
    {
        Version => XenInterfaceVersion.Packed,
        ExtraVersion => WriteExtraVersion(vcpu, arguments.Rsi),
        GetFeatures => ReportFeatures(vcpu, arguments.Rsi),
        PageSize => 4096,
        _ => XenErrno.Enosys,
    };

    private long WriteExtraVersion(int vcpu, ulong pointer)
    {
        byte[] text = new byte[ExtraVersionLength];
        Encoding.ASCII.GetBytes(XenInterfaceVersion.ExtraVersion, text);
        return GuestLinearAccess.TryWrite(memory, vcpu, pointer, text) ? 0 : XenErrno.Efault;
    }

    /// <summary>struct xen_feature_info { unsigned int submap_idx; uint32_t submap; }: the guest names the index.</summary>
    private long ReportFeatures(int vcpu, ulong pointer)
    {
        if (GuestLinearAccess.Read(memory, vcpu, pointer, sizeof(uint)) is not byte[] index)
        {
            return XenErrno.Efault;
        }

        uint submap = BinaryPrimitives.ReadUInt32LittleEndian(index) == 0 ? FeatureSubmap0 : 0;
        byte[] value = new byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(value, submap);
        return GuestLinearAccess.TryWrite(memory, vcpu, pointer + sizeof(uint), value) ? 0 : XenErrno.Efault;
    }
}
