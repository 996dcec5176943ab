using System.Runtime;
using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// The stub's CPL3 helpers for suites/cpu (guest-probes/StubGen/CpuCheckCode.cs): each runs one instruction and returns
/// its value, or FaultBit | vector (| 1 &lt;&lt; 62 when the event's saved RIP was the next instruction) with the error
/// code stored through <c>error</c>. <c>argument</c> is a port, a buffer address or a SYSCALL selector.
/// </summary>
internal static unsafe class CpuNative
{
    [RuntimeImport("rig_cpu_int4")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Int4(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_int80")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Int80(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_int21")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Int21(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_int3")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Int3(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_icebp")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Icebp(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_into")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Into(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_rdtscp")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Rdtscp(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_rdpid")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Rdpid(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_cli")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Cli(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_sti")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Sti(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_in")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong In(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_pushf")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Pushf(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_read_cs")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong ReadCs(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_sgdt")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Sgdt(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_sidt")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Sidt(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_sldt")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Sldt(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_str")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Str(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_smsw")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Smsw(ulong* error, ulong argument);

    [RuntimeImport("rig_cpu_syscall")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Syscall(ulong* error, ulong argument);

    /// <summary>The address of the stub's two-instruction CPL0 #BP handler (XOR EAX, EAX; IRETQ).</summary>
    [RuntimeImport("rig_cpu_minimal_breakpoint")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong MinimalBreakpoint();

    /// <summary>count times EAX = 1; INT3 through the minimal handler; 0, or the count left when a #BP never arrived.</summary>
    [RuntimeImport("rig_cpu_int3_loop")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Int3Loop(ulong count);

    /// <summary>The address of the stub's SYSCALL entry, for IA32_LSTAR.</summary>
    [RuntimeImport("rig_cpu_lstar")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong SyscallEntry();

    [RuntimeImport("rig_cpu_load")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Load(ulong* error, ulong address);

    [RuntimeImport("rig_cpu_store")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Store(ulong* error, ulong address);
}
