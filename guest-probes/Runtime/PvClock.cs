using System.Runtime.InteropServices;

namespace Rig.Guest;

/// <summary>pvclock_vcpu_time_info (Xen public/xen.h vcpu_time_info; Linux arch/x86/include/asm/pvclock-abi.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PvClockTimeInfo
{
    public uint Version;
    public uint Pad0;
    public ulong TscTimestamp;
    public ulong SystemTime;
    public uint TscToSystemMul;
    public sbyte TscShift;
    public byte Flags;
    public byte Pad1;
    public byte Pad2;
}

/// <summary>How often a pvclock reader had to retry: the version was odd, or it changed while the record was copied.</summary>
public struct PvClockRetries
{
    public ulong Odd;
    public ulong Changed;
}

/// <summary>
/// The pvclock protocol shared by kvmclock and Xen's vcpu_time_info, and kvmclock itself: the guest names a
/// per-vCPU record in MSR_KVM_SYSTEM_TIME_NEW (0x4b564d01) or the old 0x12, bit 0 = enable (Linux
/// Documentation/virt/kvm/x86/msr.rst). Xen's record lives in shared_info (<see cref="XenTime"/>).
/// </summary>
public static unsafe class PvClock
{
    /// <summary>PVCLOCK_TSC_STABLE_BIT (XEN_PVCLOCK_TSC_STABLE_BIT): time never goes back across vCPUs.</summary>
    public const byte TscStableFlag = 1;

    private const uint MsrSystemTimeNew = 0x4b564d01;
    private const uint MsrSystemTimeOld = 0x12;

    private static PvClockTimeInfo* areas;

    /// <summary>KVM_FEATURE_CLOCKSOURCE (bit 0) or CLOCKSOURCE2 (bit 3) in CPUID 0x40000001 EAX.</summary>
    public static bool Available => Hypervisor.IsKvm && (Cpu.Cpuid(0x40000001).Eax & 0x9) != 0;

    /// <summary>Registers this vCPU's kvmclock record; false when unavailable or the MSR write failed.</summary>
    public static bool Enable()
    {
        if (!Available)
        {
            return false;
        }
        if (areas == null)
        {
            areas = (PvClockTimeInfo*)Heap.Allocate(Runtime.Boot->MaxCpus * 64);
        }
        uint msr = (Cpu.Cpuid(0x40000001).Eax & 0x8) != 0 ? MsrSystemTimeNew : MsrSystemTimeOld;
        if (!Msr.TryWrite(msr, (ulong)KvmArea | 1))
        {
            return false;
        }
        InterfaceUse.Mark(TargetInterface.Kvmclock);
        return true;
    }

    /// <summary>This vCPU's kvmclock record (64 bytes apart, so vCPUs never share a cache line).</summary>
    public static PvClockTimeInfo* KvmArea => areas + Cpu.Index * 2;

    /// <summary>A consistent copy of this vCPU's kvmclock record.</summary>
    public static PvClockTimeInfo Snapshot() => Snapshot(KvmArea);

    /// <summary>A consistent copy, retries uncounted (<see cref="Snapshot(PvClockTimeInfo*, PvClockRetries*)"/>).</summary>
    public static PvClockTimeInfo Snapshot(PvClockTimeInfo* info)
    {
        PvClockRetries ignored = default;
        return Snapshot(info, &ignored);
    }

    /// <summary>
    /// A consistent copy by the version protocol (public/xen.h vcpu_time_info; Linux pvclock_read_begin/retry): an odd
    /// version means the hypervisor is writing, so the reader waits; a version that changed while copying means the
    /// copy may mix two updates, so it is discarded. Each retry is counted in <paramref name="retries"/>.
    /// </summary>
    public static PvClockTimeInfo Snapshot(PvClockTimeInfo* info, PvClockRetries* retries)
    {
        while (true)
        {
            uint version = Volatile(info);
            if ((version & 1) != 0)
            {
                retries->Odd++;
                continue;
            }
            PvClockTimeInfo copy = *info;
            if (version == Volatile(info))
            {
                return copy;
            }
            retries->Changed++;
        }
    }

    /// <summary>Guest system time in ns: system_time + scaled (tsc - tsc_timestamp), as pvclock_scale_delta.</summary>
    public static ulong Nanoseconds(ulong tsc, PvClockTimeInfo info) =>
        info.SystemTime + ScaleDelta(tsc - info.TscTimestamp, info.TscToSystemMul, info.TscShift);

    public static ulong ScaleDelta(ulong delta, uint mul, sbyte shift)
    {
        delta = shift < 0 ? delta >> -shift : delta << shift;
        // (delta * mul) >> 32 without 128-bit arithmetic: split delta into 32-bit halves.
        ulong high = (delta >> 32) * mul;
        ulong low = (delta & 0xFFFFFFFF) * mul;
        return high + (low >> 32);
    }

    /// <summary>TSC Hz implied by the kvmclock scale: 1e9 * 2^32 / (mul * 2^shift); 0 when kvmclock is absent.</summary>
    public static ulong TscHz()
    {
        if (!Enable())
        {
            return 0;
        }
        PvClockTimeInfo info = Snapshot();
        if (info.TscToSystemMul == 0)
        {
            return 0;
        }
        ulong hz = (1_000_000_000UL << 32) / info.TscToSystemMul;
        return info.TscShift >= 0 ? hz >> info.TscShift : hz << -info.TscShift;
    }

    /// <summary>The version word, read once from memory (the hypervisor changes it under us).</summary>
    private static uint Volatile(PvClockTimeInfo* info) => (uint)Native.Load64((ulong*)info);
}
