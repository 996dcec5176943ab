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

    [RuntimeImport("rig_cpu_sysenter")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Sysenter(ulong* error, ulong argument);

    /// <summary>
    /// SYSENTER from CPL3 to <see cref="SysenterEntry"/> and its SYSEXIT back: 0 after the round trip, else as the other helpers or
    /// 1 (SYSENTER fell through), 2 (SYSEXIT faulted at CPL0), 3 (SYSEXIT faulted through the CPL3 path); out[0] error code,
    /// out[1..4] the entry's RSP, CS, SS, RFLAGS, out[5..8] those after SYSEXIT, out[9] the RCX given to SYSEXIT, out[10] the
    /// caller's RFLAGS (guest-probes/StubGen/CpuCheckCode.cs).
    /// </summary>
    [RuntimeImport("rig_cpu_sysenter_sysexit")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong SysenterSysexit(ulong* output, ulong argument);

    /// <summary>The address of the stub's SYSENTER entry, for IA32_SYSENTER_EIP.</summary>
    [RuntimeImport("rig_cpu_sysenter_entry")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong SysenterEntry();

    [RuntimeImport("rig_cpu_xgetbv")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Xgetbv(ulong* error, ulong argument);

    /// <summary>XSAVE of x87 | SSE into <c>buffer</c>, 64-byte aligned and at least 576 bytes (SDM Vol. 1 13.4).</summary>
    [RuntimeImport("rig_cpu_xsave")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Xsave(ulong* error, ulong buffer);

    [RuntimeImport("rig_cpu_xsetbv")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong Xsetbv(ulong* error, ulong argument);

    /// <summary>IRETQ at CPL3 to the next instruction with this CS; see guest-probes/StubGen/CpuCheckCode.cs.</summary>
    [RuntimeImport("rig_cpu_iretq_cs")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong IretqCs(ulong* error, ulong cs);

    /// <summary>CALL FAR through <c>selector</c>: the CS the target ran with; out[0] error code, out[1] the target's RSP, out[2] the CS it found pushed.</summary>
    [RuntimeImport("rig_cpu_far_call")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong FarCall(ulong* output, ulong selector);

    /// <summary>
    /// Writes <c>icrValue</c> to the xAPIC ICR at <c>icr</c> and waits at CPL3 at most <c>spins</c> rounds for the handler of
    /// <see cref="InterruptHandler"/>: the CS it ran with (0: it never ran); out[0] error code, out[1] its RSP, out[2] the RSP it interrupted.
    /// </summary>
    [RuntimeImport("rig_cpu_await_interrupt")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong AwaitInterrupt(ulong* output, ulong icr, ulong icrValue, ulong spins);

    /// <summary>The address of the stub's interrupt handler for the gate checks (CS to RAX, RSP to R8, R9 = 1, IRETQ).</summary>
    [RuntimeImport("rig_cpu_interrupt_handler")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern ulong InterruptHandler();
}
