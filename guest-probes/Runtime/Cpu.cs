namespace Rig.Guest;

/// <summary>
/// CPUID, RDTSC and PAUSE, plus which vCPU the caller runs on. CPUID goes through the CPL0 gate: kvm_pvm on an AMD
/// host lets CPL3 CPUID reach the CPU, so CPL3 would read the host's leaves, not the target's (docs/notes/probes.md,
/// "CPUID"). A gate call costs tens of µs there: callers that ask repeatedly keep the answer (it does not change
/// within a boot, except the per-vCPU fields such as leaf 1 EBX[31:24]).
/// </summary>
public static unsafe class Cpu
{
    public struct CpuidResult
    {
        public uint Eax;
        public uint Ebx;
        public uint Ecx;
        public uint Edx;
    }

    public static CpuidResult Cpuid(uint leaf, uint subleaf = 0)
    {
        CpuidResult r;
        Native.Cpuid(leaf, subleaf, (uint*)&r);
        return r;
    }

    /// <summary>CPUID executed at CPL3: what the CPU answers when nothing intercepts it. Only for comparing the two paths.</summary>
    public static CpuidResult CpuidAtCpl3(uint leaf, uint subleaf = 0)
    {
        CpuidResult r;
        Native.CpuidAtCpl3(leaf, subleaf, (uint*)&r);
        return r;
    }

    public static ulong Rdtsc() => Native.Rdtsc();

    /// <summary>RDTSC after all earlier instructions, loads and stores (MFENCE;LFENCE;RDTSC, SDM Vol. 2B RDTSC), as Linux's rdtsc_ordered.</summary>
    public static ulong RdtscOrdered() => Native.RdtscOrdered();

    public static void Pause() => Native.Pause();

    /// <summary>
    /// Index of the current vCPU (0 = BSP), from the stack pointer: the stub gives vCPU i the 64 KiB stack
    /// at UserStacksBase + i * 64 KiB. Cheaper than CPUID (a VM exit) or an APIC read.
    /// </summary>
    public static int Index
    {
        get
        {
            ulong marker;
            ulong sp = (ulong)&marker;
            BootInfo* boot = Runtime.Boot;
            return (int)((sp - boot->UserStacksBase) >> (int)boot->UserStackShift);
        }
    }

    /// <summary>Highest basic CPUID leaf.</summary>
    public static uint MaxLeaf => Cpuid(0).Eax;

    public static bool HasFeature1Ecx(int bit) => (Cpuid(1).Ecx >> bit & 1) != 0;

    public static bool HasFeature1Edx(int bit) => (Cpuid(1).Edx >> bit & 1) != 0;

    /// <summary>CPUID 0x80000001 EDX bit 27 (SDM Vol. 2A CPUID): RDTSCP and IA32_TSC_AUX.</summary>
    public static bool HasRdtscp => Cpuid(0x80000000).Eax >= 0x80000001 && (Cpuid(0x80000001).Edx >> 27 & 1) != 0;

    /// <summary>RDTSCP: the TSC after all earlier instructions, and IA32_TSC_AUX in <paramref name="aux"/>.</summary>
    public static ulong Rdtscp(out uint aux)
    {
        uint value;
        ulong tsc = Native.Rdtscp(&value);
        aux = value;
        InterfaceUse.Mark(TargetInterface.Rdtscp);
        return tsc;
    }
}
