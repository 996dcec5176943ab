using System.Runtime;
using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// The CPL3 machine code of the stub (guest-probes/StubGen/UserCode.cs), called as SysV functions. ILC turns
/// each InternalCall + RuntimeImport into a direct call with no transition frame; the linker script gives
/// the symbols their fixed addresses.
/// </summary>
internal static unsafe class Native
{
    [RuntimeImport("rig_gate")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Gate(GateOp op, ulong a, ulong b, ulong c);

    /// <summary>Returns 0 and the value, or 1 when RDMSR raised #GP (the gate's fix-up).</summary>
    [RuntimeImport("rig_read_msr")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern int ReadMsr(uint msr, ulong* value);

    [RuntimeImport("rig_rdtsc")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Rdtsc();

    [RuntimeImport("rig_rdtsc_ordered")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong RdtscOrdered();

    [RuntimeImport("rig_rdtscp")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Rdtscp(uint* aux);

    /// <summary>CPUID through the gate: EAX, EBX, ECX, EDX into <paramref name="registers"/>.</summary>
    [RuntimeImport("rig_cpuid")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Cpuid(uint leaf, uint subleaf, uint* registers);

    [RuntimeImport("rig_cpuid_cpl3")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void CpuidAtCpl3(uint leaf, uint subleaf, uint* registers);

    [RuntimeImport("rig_mmio_read32")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern uint MmioRead32(ulong address);

    [RuntimeImport("rig_mmio_write32")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void MmioWrite32(ulong address, uint value);

    [RuntimeImport("rig_pause")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Pause();

    [RuntimeImport("rig_outsb")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void OutString8(ulong port, byte* bytes, ulong count);

    [RuntimeImport("rig_load64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Load64(ulong* location);

    [RuntimeImport("rig_cmpxchg64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong CompareExchange64(ulong* location, ulong expected, ulong desired);

    [RuntimeImport("rig_xadd64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong FetchAdd64(ulong* location, ulong addend);

    [RuntimeImport("rig_xchg64")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Exchange64(ulong* location, ulong value);

    [RuntimeImport("rig_try_int_nmi")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryIntNmi();

    [RuntimeImport("rig_try_int_machine_check")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryIntMachineCheck();

    [RuntimeImport("rig_try_ud2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryUd2();

    [RuntimeImport("rig_try_div0")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryDivideByZero();

    [RuntimeImport("rig_try_int3")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryInt3();

    [RuntimeImport("rig_try_in8")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryIn8(ulong port);

    [RuntimeImport("rig_try_out8")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong TryOut8(ulong port, ulong value);

    /// <summary>StubGen/RegisterHold.cs: 0 if all 47 registers kept their values for <paramref name="rounds"/> rounds, else 1 and seen[0..1].</summary>
    [RuntimeImport("rig_hold_registers")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong HoldRegisters(ulong* expected, ulong rounds, ulong* seen);

    /// <summary>As <see cref="HoldRegisters"/>, and the upper halves of YMM0..15 too: 79 values (AVX state must be enabled).</summary>
    [RuntimeImport("rig_hold_registers_ymm")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong HoldRegistersYmm(ulong* expected, ulong rounds, ulong* seen);
}
