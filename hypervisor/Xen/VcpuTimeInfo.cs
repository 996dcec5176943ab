using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Xen's <c>struct vcpu_time_info</c> (xen/include/public/xen.h, 32 bytes, interface version &gt; 0x040600 so the
/// flags byte exists). The guest computes system time as
/// system_time + ((((tsc - tsc_timestamp) &lt;&lt; tsc_shift) * tsc_to_system_mul) &gt;&gt; 32).
/// </summary>
public readonly record struct VcpuTimeInfo(ulong TscTimestamp, ulong SystemTime, TimeScale Scale, byte Flags)
{
    public const int Size = 32;
    public const int VersionOffset = 0;
    public const int Pad0Offset = 4;
    public const int TscTimestampOffset = 8;
    public const int SystemTimeOffset = 16;
    public const int TscToSystemMulOffset = 24;
    public const int TscShiftOffset = 28;
    public const int FlagsOffset = 29;
    public const int Pad1Offset = 30;

    /// <summary>XEN_PVCLOCK_TSC_STABLE_BIT: time read on one vCPU never exceeds time read later on another.</summary>
    public const byte TscStableFlag = 1 << 0;

    /// <summary>XEN_PVCLOCK_GUEST_STOPPED: the guest was paused by the host (not used by the rig's clock).</summary>
    public const byte GuestStoppedFlag = 1 << 1;

    /// <summary>Stores every field but the version, little-endian as on x86; the caller owns the version protocol.</summary>
    public void WriteFieldsTo(Span<byte> area)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(area[Pad0Offset..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(area[TscTimestampOffset..], TscTimestamp);
        BinaryPrimitives.WriteUInt64LittleEndian(area[SystemTimeOffset..], SystemTime);
        BinaryPrimitives.WriteUInt32LittleEndian(area[TscToSystemMulOffset..], Scale.MulFrac);
        area[TscShiftOffset] = (byte)Scale.Shift;
        area[FlagsOffset] = Flags;
        area[Pad1Offset] = 0;
        area[Pad1Offset + 1] = 0;
    }

    public static VcpuTimeInfo ReadFrom(ReadOnlySpan<byte> area) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(area[TscTimestampOffset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(area[SystemTimeOffset..]),
        new TimeScale(
            BinaryPrimitives.ReadUInt32LittleEndian(area[TscToSystemMulOffset..]),
            (sbyte)area[TscShiftOffset]),
        area[FlagsOffset]);

    /// <summary>The guest's side of the formula: the nanoseconds this record gives for a TSC reading.</summary>
    public ulong SystemTimeAt(ulong tsc) => SystemTime + Scale.ScaleDelta(tsc - TscTimestamp);
}
