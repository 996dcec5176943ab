using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// The CPL0 instruction table: one instruction per check, run at CPL0 through its gate operation (GateOp 105–119), where
/// kvm_pvm emulates every instruction. The record carries the CPUID bit (or the hypervisor signature) the SDM's outcome
/// depends on; the host's oracle (suites/cpu/Oracles/CpuRules.cs) says whether it had to execute, #UD or #GP.
/// </summary>
internal static unsafe class Cpl0InstructionChecks
{
    /// <summary>What MOV DR0 writes and must read back (a canonical linear address, SDM Vol. 3A 18.2.1).</summary>
    public const ulong Dr0Value = 0x1234_5000;

    /// <summary>A hypercall number no hypervisor defines; KVM answers it with -KVM_ENOSYS.</summary>
    private const ulong UnknownHypercall = 0x7FFF;

    public static bool Run()
    {
        ulong* invpcidDescriptor = stackalloc ulong[2];
        invpcidDescriptor[0] = invpcidDescriptor[1] = 0;
        if (CommandLine.Is("check", "movbe-cpl0"))
        {
            One("movbe-cpl0", "movbe", GateOp.Cpl0Movbe, 0, "cpuid_movbe", TargetCpuid.Movbe);
        }
        else if (CommandLine.Is("check", "xgetbv-cpl0"))
        {
            ulong xsave = TargetCpuid.Xsave;
            One("xgetbv-cpl0", "xgetbv", GateOp.Cpl0Xgetbv, xsave, "cpuid_xsave", xsave);
        }
        else if (CommandLine.Is("check", "xsetbv-clear-x87-cpl0"))
        {
            ulong xsave = TargetCpuid.Xsave;
            One("xsetbv-clear-x87-cpl0", "xsetbv", GateOp.Cpl0XsetbvClearX87, xsave, "cpuid_xsave", xsave);
        }
        else if (CommandLine.Is("check", "invpcid-cpl0"))
        {
            One("invpcid-cpl0", "invpcid", GateOp.Cpl0Invpcid, (ulong)invpcidDescriptor, "cpuid_invpcid", TargetCpuid.Invpcid);
        }
        else if (CommandLine.Is("check", "clac-stac-cpl0"))
        {
            ulong smap = TargetCpuid.Smap;
            One("clac-stac-cpl0", "clac", GateOp.Cpl0Clac, 0, "cpuid_smap", smap);
            One("clac-stac-cpl0", "stac", GateOp.Cpl0Stac, 0, "cpuid_smap", smap);
        }
        else
        {
            return RunRest();
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool RunRest()
    {
        if (CommandLine.Is("check", "clflushopt-cpl0"))
        {
            One("clflushopt-cpl0", "clflushopt", GateOp.Cpl0Clflushopt, 0, "cpuid_clflushopt", TargetCpuid.Clflushopt);
        }
        else if (CommandLine.Is("check", "clwb-cpl0"))
        {
            One("clwb-cpl0", "clwb", GateOp.Cpl0Clwb, 0, "cpuid_clwb", TargetCpuid.Clwb);
        }
        else if (CommandLine.Is("check", "rdpid-cpl0"))
        {
            One("rdpid-cpl0", "rdpid", GateOp.Cpl0Rdpid, 0, "cpuid_rdpid", TargetCpuid.Rdpid);
        }
        else if (CommandLine.Is("check", "rdpru-cpl0"))
        {
            One("rdpru-cpl0", "rdpru", GateOp.Cpl0Rdpru, 0, "cpuid_rdpru", TargetCpuid.Leaf80000008Ebx >> 4 & 1);
        }
        else if (CommandLine.Is("check", "vmcall-cpl0"))
        {
            UnknownHypercallThrough("vmcall-cpl0", "vmcall", GateOp.Cpl0Vmcall);
        }
        else if (CommandLine.Is("check", "vmmcall-cpl0"))
        {
            UnknownHypercallThrough("vmmcall-cpl0", "vmmcall", GateOp.Cpl0Vmmcall);
        }
        else if (CommandLine.Is("check", "mov-cr4-reserved-cpl0"))
        {
            One("mov-cr4-reserved-cpl0", "mov-cr4", GateOp.Cpl0MovCr4Reserved, 0, "bit", 63);
        }
        else if (CommandLine.Is("check", "mov-dr0-cpl0"))
        {
            One("mov-dr0-cpl0", "mov-dr0", GateOp.Cpl0MovDr0, Dr0Value, "written", Dr0Value);
        }
        else if (CommandLine.Is("check", "mov-dr7-reserved-cpl0"))
        {
            One("mov-dr7-reserved-cpl0", "mov-dr7", GateOp.Cpl0MovDr7Reserved, 0, "bit", 32);
        }
        else
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// An unknown hypercall number through VMCALL or VMMCALL, with who may claim the instruction: KVM (either vendor's),
    /// or Xen (its own vendor's only), so the oracle knows which answer is owed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UnknownHypercallThrough(string check, string op, GateOp gateOp)
    {
        CheckRecord.Entering(check);
        Line line = CheckRecord.Start(check, op, Native.Gate(gateOp, UnknownHypercall, 0, 0), 0);
        line.Field("kvm_signature", TargetCpuid.KvmSignature);
        line.Field("xen_signature", TargetCpuid.XenSignature);
        line.Field("intel", TargetCpuid.IntelVendor);
        line.TextField("level", "cpl0");
        Console.Write(ref line);
    }

    /// <summary>One gate operation, announced first (it may stop the VM), reported with the fact its expectation depends on.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void One(string check, string op, GateOp gateOp, ulong argument, string factKey, ulong fact)
    {
        CheckRecord.Entering(check);
        Line line = CheckRecord.Start(check, op, Native.Gate(gateOp, argument, 0, 0), 0);
        line.Field(factKey, fact);
        line.TextField("level", "cpl0");
        Console.Write(ref line);
    }
}
