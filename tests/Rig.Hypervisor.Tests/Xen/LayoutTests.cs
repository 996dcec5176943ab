using System.Buffers.Binary;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>
/// Byte layouts against xen/include/public/xen.h for an x86-64 guest, offsets counted by hand from the field list:
/// vcpu_time_info { u32 version; u32 pad0; u64 tsc_timestamp; u64 system_time; u32 tsc_to_system_mul;
/// s8 tsc_shift; u8 flags; u8 pad1[2]; } and shared_info { vcpu_info[32] (64 bytes each, time at 32);
/// xen_ulong_t evtchn_pending[64]; xen_ulong_t evtchn_mask[64]; u32 wc_version, wc_sec, wc_nsec, wc_sec_hi; arch }.
/// </summary>
public sealed class LayoutTests
{
    [Fact]
    public void Vcpu_time_info_fields_sit_where_xen_h_puts_them()
    {
        Assert.Equal(
            [0, 4, 8, 16, 24, 28, 29, 30, 32],
            [
                VcpuTimeInfo.VersionOffset, VcpuTimeInfo.Pad0Offset, VcpuTimeInfo.TscTimestampOffset,
                VcpuTimeInfo.SystemTimeOffset, VcpuTimeInfo.TscToSystemMulOffset, VcpuTimeInfo.TscShiftOffset,
                VcpuTimeInfo.FlagsOffset, VcpuTimeInfo.Pad1Offset, VcpuTimeInfo.Size,
            ]);
        Assert.Equal(1, VcpuTimeInfo.TscStableFlag);
        Assert.Equal(2, VcpuTimeInfo.GuestStoppedFlag);
    }

    [Fact]
    public void Written_fields_land_at_their_offsets_little_endian_with_a_signed_shift()
    {
        byte[] area = new byte[VcpuTimeInfo.Size];
        new VcpuTimeInfo(0xAABB_CCDD_0011_2233, 0x4455_6677_8899_AABB, new TimeScale(0xCAFE_F00D, -3), 0x5A)
            .WriteFieldsTo(area);

        Assert.Equal(0xAABB_CCDD_0011_2233UL, BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(8)));
        Assert.Equal(0x4455_6677_8899_AABBUL, BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(16)));
        Assert.Equal(0xCAFE_F00Du, BinaryPrimitives.ReadUInt32LittleEndian(area.AsSpan(24)));
        Assert.Equal(0xFD, area[28]);
        Assert.Equal(0x5A, area[29]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(area)); // the version is the protocol's business
    }

    [Fact]
    public void Shared_info_offsets_match_xen_h()
    {
        Assert.Equal(64, SharedInfoLayout.VcpuInfoSize);
        Assert.Equal(32, SharedInfoLayout.VcpuTimeOffset(0));
        Assert.Equal(96, SharedInfoLayout.VcpuTimeOffset(1));
        Assert.Equal((31 * 64) + 32, SharedInfoLayout.VcpuTimeOffset(31));
        Assert.Equal(2048, SharedInfoLayout.EvtchnPendingOffset);
        Assert.Equal(2560, SharedInfoLayout.EvtchnMaskOffset);
        Assert.Equal(3072, SharedInfoLayout.WallclockVersionOffset);
        Assert.Equal(3076, SharedInfoLayout.WallclockSecondsOffset);
        Assert.Equal(3080, SharedInfoLayout.WallclockNanosecondsOffset);
        Assert.Equal(3084, SharedInfoLayout.WallclockSecondsHighOffset);
        Assert.Equal(3088, SharedInfoLayout.ArchSharedInfoOffset);
    }
}
