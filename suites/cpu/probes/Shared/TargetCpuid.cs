namespace Rig.Guest;

/// <summary>The target's CPUID feature bits the checks depend on, read at CPL0 (the target's leaves, docs/notes/probes.md "CPUID").</summary>
public static class TargetCpuid
{
    /// <summary>CPUID.80000001H:EDX[27] RDTSCP.</summary>
    public static ulong Rdtscp => Cpu.HasRdtscp ? 1UL : 0UL;

    /// <summary>CPUID.(EAX=7,ECX=0):ECX[22] RDPID.</summary>
    public static ulong Rdpid => Cpu.MaxLeaf >= 7 ? Cpu.Cpuid(7).Ecx >> 22 & 1 : 0;

    /// <summary>CPUID.1:ECX[22] MOVBE.</summary>
    public static ulong Movbe => Cpu.Cpuid(1).Ecx >> 22 & 1;

    /// <summary>CPUID.1:ECX[26] XSAVE (XGETBV, XSETBV, CR4.OSXSAVE).</summary>
    public static ulong Xsave => Cpu.Cpuid(1).Ecx >> 26 & 1;

    /// <summary>CPUID.(EAX=7,ECX=0):EBX[1] IA32_TSC_ADJUST.</summary>
    public static ulong TscAdjust => Leaf7Ebx >> 1 & 1;

    /// <summary>CPUID.(EAX=7,ECX=0):EBX[10] INVPCID.</summary>
    public static ulong Invpcid => Leaf7Ebx >> 10 & 1;

    /// <summary>CPUID.(EAX=7,ECX=0):EBX[20] SMAP (CLAC, STAC).</summary>
    public static ulong Smap => Leaf7Ebx >> 20 & 1;

    /// <summary>CPUID.(EAX=7,ECX=0):EBX[23] CLFLUSHOPT.</summary>
    public static ulong Clflushopt => Leaf7Ebx >> 23 & 1;

    /// <summary>CPUID.(EAX=7,ECX=0):EBX[24] CLWB.</summary>
    public static ulong Clwb => Leaf7Ebx >> 24 & 1;

    /// <summary>CPUID.(EAX=7,ECX=0):ECX[2] UMIP.</summary>
    public static ulong Umip => Cpu.MaxLeaf >= 7 ? Cpu.Cpuid(7).Ecx >> 2 & 1 : 0;

    /// <summary>CPUID.(EAX=7,ECX=0):EDX, Intel's speculation-control bits (IBRS_IBPB 26, STIBP 27, L1D_FLUSH 28, SSBD 31).</summary>
    public static ulong Leaf7Edx => Cpu.MaxLeaf >= 7 ? Cpu.Cpuid(7).Edx : 0;

    /// <summary>CPUID.80000008H:EBX, AMD's (AMD APM Vol. 3 E.4.17: RDPRU 4, IBPB 12, IBRS 14, STIBP 15, SSBD 24).</summary>
    public static ulong Leaf80000008Ebx => Cpu.Cpuid(0x80000000).Eax >= 0x80000008 ? Cpu.Cpuid(0x80000008).Ebx : 0;

    /// <summary>CPUID.40000000H's signature is "KVMKVMKVM": the KVM paravirtual interface, VMCALL/VMMCALL included, is offered.</summary>
    public static ulong KvmSignature
    {
        get
        {
            var r = Cpu.Cpuid(0x40000000);
            return r.Ebx == 0x4B4D564B && r.Ecx == 0x564B4D56 && r.Edx == 0x4D ? 1UL : 0UL;
        }
    }

    /// <summary>
    /// "XenVMMXenVMM" at one of the hypervisor leaves 0x40000000..0x4000FF00 (xen/include/public/arch-x86/cpuid.h; they
    /// move up by 0x100 where Xen also offers Viridian's): Xen's hypercall interface is offered.
    /// </summary>
    public static ulong XenSignature => XenTime.BaseLeaf != 0 ? 1UL : 0UL;

    private static ulong Leaf7Ebx => Cpu.MaxLeaf >= 7 ? Cpu.Cpuid(7).Ebx : 0;

    /// <summary>CPUID.80000001H:EDX[11] SYSCALL/SYSRET in 64-bit mode.</summary>
    public static ulong Syscall => Cpu.Cpuid(0x80000000).Eax >= 0x80000001 ? Cpu.Cpuid(0x80000001).Edx >> 11 & 1 : 0;

    /// <summary>CPUID.1:EDX[11] SEP: SYSENTER/SYSEXIT.</summary>
    public static ulong Sep => Cpu.Cpuid(1).Edx >> 11 & 1;

    /// <summary>CPUID.1:EDX[1] VME, which also enumerates CR4.PVI (SDM Vol. 3A 2.5, Vol. 2A CPUID).</summary>
    public static ulong Vme => Cpu.Cpuid(1).Edx >> 1 & 1;

    /// <summary>CPUID.0's vendor is "GenuineIntel": SYSENTER in 64-bit mode follows the SDM there; AMD's APM makes it #UD in long mode.</summary>
    public static ulong IntelVendor
    {
        get
        {
            var r = Cpu.Cpuid(0);
            return r.Ebx == 0x756E6547 && r.Edx == 0x49656E69 && r.Ecx == 0x6C65746E ? 1UL : 0UL;
        }
    }
}
