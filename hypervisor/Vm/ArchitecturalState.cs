using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// Register states a vCPU is put in: after RESET or INIT (SDM Vol. 3 10.1.1, Table 10-1 "IA-32 and Intel 64 Processor
/// States Following Power-up, Reset, or INIT"; numbered 9.1.1/Table 9-1 in older editions), after a startup IPI
/// (SDM Vol. 3 10.4.4: real mode at CS = vector &lt;&lt; 8, IP = 0), and at a PVH entry (Xen docs/misc/pvh.pandoc:
/// 32-bit protected mode, paging off, flat 4 GiB CS/DS/ES/SS, a 32-bit TSS in TR, EBX = hvm_start_info).
/// </summary>
public static class ArchitecturalState
{
    public const ulong ApicBaseDefault = 0xFEE0_0000;
    public const ulong ApicBaseEnable = 1 << 11;
    public const ulong ApicBaseBsp = 1 << 8;

    /// <summary>CR0.PG (SDM Vol. 3A 2.5).</summary>
    public const ulong Cr0Paging = 1UL << 31;

    /// <summary>CR0.PE (SDM Vol. 3A 2.5): clear is real mode.</summary>
    public const ulong Cr0ProtectionEnable = 1;

    /// <summary>CPUID.1:EAX the reset leaves in EDX (SDM Table 10-1: "EDX = 000n06xxH", processor signature).</summary>
    public static KvmRegs ResetRegs(uint processorSignature) => new()
    {
        Rdx = processorSignature,
        Rip = 0xFFF0,
        Rflags = 0x2,
    };

    public static KvmSregs ResetSregs(bool bootstrapProcessor)
    {
        var data = RealModeSegment(0, 0x3);
        var sregs = new KvmSregs
        {
            Cs = RealModeSegment(0xF000, 0xB) with { Base = 0xFFFF_0000 },
            Ds = data,
            Es = data,
            Fs = data,
            Gs = data,
            Ss = data,
            Ldt = RealModeSegment(0, 0x2) with { S = 0 },
            Tr = RealModeSegment(0, 0xB) with { S = 0 },
            Gdt = new KvmDtable { Limit = 0xFFFF },
            Idt = new KvmDtable { Limit = 0xFFFF },
            Cr0 = 0x6000_0010, // CD, NW, ET
            ApicBase = ApicBaseDefault | ApicBaseEnable | (bootstrapProcessor ? ApicBaseBsp : 0),
        };
        return sregs;
    }

    /// <summary>The startup IPI's real-mode entry: the page <paramref name="vector"/> &lt;&lt; 12.</summary>
    public static KvmSregs AfterStartupIpi(KvmSregs initState, byte vector) =>
        initState with { Cs = initState.Cs with { Selector = (ushort)(vector << 8), Base = (ulong)vector << 12 } };

    public static KvmRegs PvhEntryRegs(uint entry, ulong startInfo) => new()
    {
        Rbx = startInfo,
        Rip = entry,
        Rflags = 0x2,
    };

    public static KvmSregs PvhEntrySregs(KvmSregs resetState)
    {
        var code = FlatSegment(0x10, 0xB);
        var data = FlatSegment(0x18, 0x3);
        return resetState with
        {
            Cs = code,
            Ds = data,
            Es = data,
            Fs = data,
            Gs = data,
            Ss = data,
            Tr = new KvmSegment { Selector = 0x20, Base = 0, Limit = 0x67, Type = 0xB, Present = 1 },
            Gdt = default,
            Idt = default,
            Cr0 = 0x11, // PE | ET
        };
    }

    /// <summary>x87 and SSE state after RESET (Table 10-1: FCW 0040H, FSW 0, FTW all empty, MXCSR 1F80H); struct kvm_fpu layout.</summary>
    public static byte[] ResetFpu()
    {
        var fpu = new byte[KvmVcpu.FpuStateSize];
        BitConverter.TryWriteBytes(fpu.AsSpan(128), (ushort)0x0040); // fcw
        BitConverter.TryWriteBytes(fpu.AsSpan(408), 0x1F80u); // mxcsr
        return fpu;
    }

    private static KvmSegment RealModeSegment(ushort selector, byte type) => new()
    {
        Selector = selector,
        Base = (ulong)selector << 4,
        Limit = 0xFFFF,
        Type = type,
        Present = 1,
        S = 1,
    };

    private static KvmSegment FlatSegment(ushort selector, byte type) => new()
    {
        Selector = selector,
        Base = 0,
        Limit = 0xFFFF_FFFF,
        Type = type,
        Present = 1,
        S = 1,
        Db = 1,
        G = 1,
    };
}
