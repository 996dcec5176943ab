namespace Rig.Guest;

/// <summary>The target's CPUID feature bits the checks depend on, read at CPL0 (the target's leaves, docs/notes/probes.md "CPUID").</summary>
public static class TargetCpuid
{
    /// <summary>CPUID.80000001H:EDX[27] RDTSCP.</summary>
    public static ulong Rdtscp => Cpu.HasRdtscp ? 1UL : 0UL;

    /// <summary>CPUID.(EAX=7,ECX=0):ECX[22] RDPID.</summary>
    public static ulong Rdpid => Cpu.MaxLeaf >= 7 ? Cpu.Cpuid(7).Ecx >> 22 & 1 : 0;

    /// <summary>CPUID.80000001H:EDX[11] SYSCALL/SYSRET in 64-bit mode.</summary>
    public static ulong Syscall => Cpu.Cpuid(0x80000000).Eax >= 0x80000001 ? Cpu.Cpuid(0x80000001).Edx >> 11 & 1 : 0;
}
