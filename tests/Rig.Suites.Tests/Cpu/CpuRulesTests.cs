using Rig.Cases;
using Rig.Protocol;
using Rig.Suites.Cpu;
using Rig.Suites.Cpu.Oracles;
using Record = Rig.Protocol.Record;

namespace Rig.Suites.Tests.Cpu;

public class CpuRulesTests
{
    private const string Trap4 = "0xc000000000000004", Ud = "0x8000000000000006";

    private static Record R(string line) => RecordParser.TryParse(line) ?? throw new FormatException(line);

    private static IReadOnlyList<string> Judge(string check, string? vmStop, params string[] lines) =>
        CpuRules.Check(check, lines.Select(R).ToList(), vmStop);

    [Fact]
    public void IntNThroughADpl3GateMustTrapToItsHandler()
    {
        Assert.Empty(Judge("int-n-dpl3-cpl3", null, "RIG cpu check=int-n-dpl3-cpl3 op=int80 result=0xc000000000000080 error=0x0"));
        Assert.Contains("dropped", Assert.Single(Judge("int-n-dpl3-cpl3", null, "RIG cpu check=int-n-dpl3-cpl3 op=int80 result=0x0 error=0x0")));
        Assert.Contains("#UD", Assert.Single(Judge("int-n-dpl3-cpl3", null, $"RIG cpu check=int-n-dpl3-cpl3 op=int80 result={Ud} error=0x0")));
        Assert.Empty(Judge("int-overflow-vector-cpl3", null, $"RIG cpu check=int-overflow-vector-cpl3 op=int4 result={Trap4} error=0x0"));
        Assert.Single(Judge("int-overflow-vector-cpl3", null, "RIG cpu check=int-overflow-vector-cpl3 op=int4 result=0x8000000000000004 error=0x0"));
    }

    [Fact]
    public void IntNThroughADpl0GateAtCpl3IsAGpWithTheIdtErrorCode()
    {
        Assert.Equal(0x10AUL, CpuRules.IntGateDplErrorCode);
        Assert.Empty(Judge("int-n-dpl0-cpl3", null, "RIG cpu check=int-n-dpl0-cpl3 op=int21 result=0x800000000000000d error=0x10a"));
        Assert.Single(Judge("int-n-dpl0-cpl3", null, "RIG cpu check=int-n-dpl0-cpl3 op=int21 result=0x800000000000000d error=0x0"));
        Assert.Single(Judge("int-n-dpl0-cpl3", null, "RIG cpu check=int-n-dpl0-cpl3 op=int21 result=0xc00000000000000d error=0x10a"));
    }

    [Fact]
    public void IcebpTrapsWhateverTheGateDplAndIntoIsUdInLongMode()
    {
        Assert.Empty(Judge("icebp-cpl3", null, "RIG cpu check=icebp-cpl3 op=icebp result=0xc000000000000001 error=0x0"));
        Assert.Single(Judge("icebp-cpl3", null, "RIG cpu check=icebp-cpl3 op=icebp result=0x800000000000000d error=0xa"));
        Assert.Empty(Judge("into-long-mode", null, $"RIG cpu check=into-long-mode op=into result={Ud} error=0x0"));
        Assert.Single(Judge("into-long-mode", null, "RIG cpu check=into-long-mode op=into result=0x0 error=0x0"));
    }

    [Fact]
    public void RdtscpHiddenByCpuidMustBeUdAndNotLeakTscAux()
    {
        Assert.Empty(Judge("rdtscp-cpl3", null, $"RIG cpu check=rdtscp-cpl3 op=rdtscp result={Ud} error=0x0 cpuid_rdtscp=0"));
        Assert.Contains("executed", Assert.Single(Judge("rdtscp-cpl3", null, "RIG cpu check=rdtscp-cpl3 op=rdtscp result=0x1 error=0x0 cpuid_rdtscp=0")));
        Assert.Empty(Judge("rdtscp-cpl3", null, "RIG cpu check=rdtscp-cpl3 op=rdtscp result=0x1 error=0x0 cpuid_rdtscp=1"));
        Assert.Single(Judge("rdtscp-cpl3", null, $"RIG cpu check=rdtscp-cpl3 op=rdtscp result={Ud} error=0x0 cpuid_rdtscp=1"));
    }

    [Fact]
    public void TscAuxExistsOnlyWhenCpuidAnnouncesRdtscpOrRdpid()
    {
        Assert.Empty(Judge("tsc-aux-msr", null, "RIG cpu check=tsc-aux-msr op=rdmsr result=0x0 error=0x1 gp=1 cpuid_rdtscp=0 cpuid_rdpid=0 level=cpl0"));
        Assert.Contains("host", Assert.Single(Judge("tsc-aux-msr", null, "RIG cpu check=tsc-aux-msr op=rdmsr result=0x1 error=0x0 gp=0 cpuid_rdtscp=0 cpuid_rdpid=0 level=cpl0")));
        Assert.Empty(Judge("tsc-aux-msr", null, "RIG cpu check=tsc-aux-msr op=rdmsr result=0x0 error=0x0 gp=0 cpuid_rdtscp=0 cpuid_rdpid=1 level=cpl0"));
        Assert.Single(Judge("tsc-aux-msr", null, "RIG cpu check=tsc-aux-msr op=rdmsr result=0x0 error=0x1 gp=1 cpuid_rdtscp=1 cpuid_rdpid=0 level=cpl0"));
    }

    [Fact]
    public void Cpl3SeesTheGuestsFlagsAndSelectorsNotTheHosts()
    {
        Assert.Empty(Judge("pushf-cpl3", null, "RIG cpu check=pushf-cpl3 op=pushf result=0x3202 error=0x0"));
        Assert.Contains("IOPL 0", Assert.Single(Judge("pushf-cpl3", null, "RIG cpu check=pushf-cpl3 op=pushf result=0x246 error=0x0")));
        Assert.Empty(Judge("mov-cs-cpl3", null, "RIG cpu check=mov-cs-cpl3 op=mov-cs result=0x23 error=0x0"));
        Assert.Contains("0x33", Assert.Single(Judge("mov-cs-cpl3", null, "RIG cpu check=mov-cs-cpl3 op=mov-cs result=0x33 error=0x0")));
    }

    [Fact]
    public void DescriptorTablesAtCpl3AreTheGuestsUnlessUmipForbidsThem()
    {
        const string Same = "RIG cpu check=descriptor-tables-cpl3 op=sgdt result=0x0 error=0x0 limit=0x13f base=0x10a000 cpl0_limit=0x13f cpl0_base=0x10a000 cr4=0x640";
        Assert.Empty(Judge("descriptor-tables-cpl3", null, Same));
        Assert.Contains("host", Assert.Single(Judge("descriptor-tables-cpl3", null, Same.Replace("base=0x10a000 cpl0", "base=0xfffffe0000001000 cpl0", StringComparison.Ordinal))));
        Assert.Contains("UMIP", Assert.Single(Judge("descriptor-tables-cpl3", null, Same.Replace("cr4=0x640", "cr4=0xe40", StringComparison.Ordinal))));
        Assert.Empty(Judge("descriptor-tables-cpl3", null, "RIG cpu check=descriptor-tables-cpl3 op=str result=0x40 error=0x0 cpl0=0x40 cr4=0x640"));
        Assert.Single(Judge("descriptor-tables-cpl3", null, "RIG cpu check=descriptor-tables-cpl3 op=str result=0x40 error=0x0 cpl0=0x50 cr4=0x640"));
    }

    [Fact]
    public void SysretqAndOutAfterSyscallMustNotFault()
    {
        const string Ok = "RIG cpu check=sysretq op=syscall-sysretq result=0x0 error=0x0 cpuid_syscall=1 enabled=1";
        Assert.Empty(Judge("sysretq", null, Ok));
        Assert.Contains("SYSRETQ", Assert.Single(Judge("sysretq", null, Ok.Replace("result=0x0", "result=0x2", StringComparison.Ordinal))));
        Assert.Single(Judge("sysretq", null, Ok.Replace("enabled=1", "enabled=0", StringComparison.Ordinal)));
        Assert.NotNull(CpuRules.Unavailable([R(Ok.Replace("cpuid_syscall=1", "cpuid_syscall=0", StringComparison.Ordinal))]));
        Assert.Null(CpuRules.Unavailable([R(Ok)]));
        Assert.Single(Judge("syscall-port-io", null, "RIG cpu check=syscall-port-io op=syscall-out result=0x2 error=0x0 cpuid_syscall=1 enabled=1"));
    }

    [Fact]
    public void SoftwareInterruptsAtCpl0TrapAndAVmStopIsADeviation()
    {
        Assert.Empty(Judge("int3-cpl0", null, "RIG cpu-enter check=int3-cpl0", "RIG cpu check=int3-cpl0 op=int3 result=0x1 error=0x0 level=cpl0"));
        Assert.Single(Judge("int3-cpl0", null, "RIG cpu-enter check=int3-cpl0", "RIG cpu check=int3-cpl0 op=int3 result=0x0 error=0x0 level=cpl0"));
        var stopped = Assert.Single(Judge("int3-cpl0", "VMM status internal-error: KVM internal error. Suberror: 1", "RIG cpu-enter check=int3-cpl0"));
        Assert.Contains("VM stopped", stopped);
        Assert.Contains("Suberror: 1", stopped);
        Assert.Contains("never reached", Assert.Single(Judge("int3-cpl0", null)));
        Assert.Empty(Judge("rdtscp-cpl0", null, "RIG cpu check=rdtscp-cpl0 op=rdtscp result=0x2 error=0x0 cpuid_rdtscp=0 level=cpl0"));
        Assert.Single(Judge("rdtscp-cpl0", null, "RIG cpu check=rdtscp-cpl0 op=rdtscp result=0x100 error=0x0 cpuid_rdtscp=0 level=cpl0"));
    }

    [Fact]
    public void IoplThreeAllowsPortIoAndCliSti()
    {
        Assert.Empty(Judge("iopl3-port-io", null, "RIG cpu check=iopl3-port-io op=in result=0xff error=0x0"));
        Assert.Single(Judge("iopl3-port-io", null, "RIG cpu check=iopl3-port-io op=in result=0x800000000000000d error=0x0"));
        Assert.Single(Judge("iopl3-cli-sti", null, "RIG cpu check=iopl3-cli-sti op=cli result=0x800000000000000d error=0x0", "RIG cpu check=iopl3-cli-sti op=sti result=0x0 error=0x0"));
    }

    [Fact]
    public void ALostSoftExceptionIsReportedAndACleanLoopIsNot()
    {
        Assert.Empty(Judge("soft-exception-restore", null, "RIG cpu-enter check=soft-exception-restore", "RIG cpu check=soft-exception-restore op=summary result=0x0 error=0x0 iterations=30000"));
        Assert.Contains("lost", Assert.Single(Judge("soft-exception-restore", null, "RIG cpu check=soft-exception-restore op=int3 result=0x0 error=0x0 iteration=17",
            "RIG cpu check=soft-exception-restore op=summary result=0x1 error=0x0 iterations=30000")));
    }

    [Fact]
    public void Cpl0InstructionsExecuteWhereCpuidOffersThemAndUdWhereNot()
    {
        // result: low byte 0 completed (value from bit 8), 2 faulted with the vector in bits 8..15 and the error code from bit 16.
        const string UdAtCpl0 = "0x602", GpZeroAtCpl0 = "0xd02";
        Assert.Empty(Judge("movbe-cpl0", null, "RIG cpu check=movbe-cpl0 op=movbe result=0x0 error=0x0 cpuid_movbe=1 level=cpl0"));
        Assert.Contains("#UD", Assert.Single(Judge("movbe-cpl0", null, $"RIG cpu check=movbe-cpl0 op=movbe result={GpZeroAtCpl0} error=0x0 cpuid_movbe=0 level=cpl0")));
        Assert.Empty(Judge("movbe-cpl0", null, $"RIG cpu check=movbe-cpl0 op=movbe result={UdAtCpl0} error=0x0 cpuid_movbe=0 level=cpl0"));
        Assert.Contains("executed", Assert.Single(Judge("clwb-cpl0", null, "RIG cpu check=clwb-cpl0 op=clwb result=0x0 error=0x0 cpuid_clwb=0 level=cpl0")));
        Assert.Single(Judge("invpcid-cpl0", null, $"RIG cpu check=invpcid-cpl0 op=invpcid result={UdAtCpl0} error=0x0 cpuid_invpcid=1 level=cpl0"));
        Assert.Empty(Judge("xgetbv-cpl0", null, "RIG cpu check=xgetbv-cpl0 op=xgetbv result=0x700 error=0x0 cpuid_xsave=1 level=cpl0"));
        Assert.Contains("x87", Assert.Single(Judge("xgetbv-cpl0", null, "RIG cpu check=xgetbv-cpl0 op=xgetbv result=0x600 error=0x0 cpuid_xsave=1 level=cpl0")));
        Assert.Empty(Judge("xsetbv-clear-x87-cpl0", null, $"RIG cpu check=xsetbv-clear-x87-cpl0 op=xsetbv result={GpZeroAtCpl0} error=0x0 cpuid_xsave=1 level=cpl0"));
        Assert.Single(Judge("xsetbv-clear-x87-cpl0", null, $"RIG cpu check=xsetbv-clear-x87-cpl0 op=xsetbv result={UdAtCpl0} error=0x0 cpuid_xsave=1 level=cpl0"));
        Assert.Single(Judge("xsetbv-clear-x87-cpl0", null, "RIG cpu check=xsetbv-clear-x87-cpl0 op=xsetbv result=0x10d02 error=0x0 cpuid_xsave=1 level=cpl0"));
    }

    [Fact]
    public void ReservedControlAndDebugRegisterBitsAreGpAndDr0RoundTrips()
    {
        Assert.Empty(Judge("mov-cr4-reserved-cpl0", null, "RIG cpu check=mov-cr4-reserved-cpl0 op=mov-cr4 result=0xd02 error=0x0 bit=63 level=cpl0"));
        Assert.Single(Judge("mov-cr4-reserved-cpl0", null, "RIG cpu check=mov-cr4-reserved-cpl0 op=mov-cr4 result=0x0 error=0x0 bit=63 level=cpl0"));
        Assert.Single(Judge("mov-dr7-reserved-cpl0", null, "RIG cpu check=mov-dr7-reserved-cpl0 op=mov-dr7 result=0x602 error=0x0 bit=32 level=cpl0"));
        Assert.Empty(Judge("mov-dr0-cpl0", null, "RIG cpu check=mov-dr0-cpl0 op=mov-dr0 result=0x1234500000 error=0x0 written=305418240 level=cpl0"));
        Assert.Contains("read back", Assert.Single(Judge("mov-dr0-cpl0", null, "RIG cpu check=mov-dr0-cpl0 op=mov-dr0 result=0x0 error=0x0 written=305418240 level=cpl0")));
    }

    [Fact]
    public void HypercallInstructionsFollowKvmsAbiOnlyWhereKvmIsAnnounced()
    {
        Assert.Empty(Judge("vmcall-cpl0", null, "RIG cpu check=vmcall-cpl0 op=vmcall result=0xfffffc1800 error=0x0 kvm_signature=1 level=cpl0"));
        Assert.Contains("-KVM_ENOSYS", Assert.Single(Judge("vmcall-cpl0", null, "RIG cpu check=vmcall-cpl0 op=vmcall result=0x7fff00 error=0x0 kvm_signature=1 level=cpl0")));
        Assert.Empty(Judge("vmmcall-cpl0", null, "RIG cpu check=vmmcall-cpl0 op=vmmcall result=0x602 error=0x0 kvm_signature=0 level=cpl0"));
        Assert.Single(Judge("vmmcall-cpl0", null, "RIG cpu check=vmmcall-cpl0 op=vmmcall result=0xfffffc1800 error=0x0 kvm_signature=0 level=cpl0"));
    }

    [Fact]
    public void HypercallInstructionsFollowXensAbiForItsVendorsInstructionOnly()
    {
        // xen-tcg (an AMD CPU under TCG): VMMCALL is Xen's hypercall, -ENOSYS; VMCALL is #UD.
        Assert.Empty(Judge("vmmcall-cpl0", null, "RIG cpu check=vmmcall-cpl0 op=vmmcall result=0xffffffda00 error=0x0 kvm_signature=0 xen_signature=1 intel=0 level=cpl0"));
        Assert.Contains("-ENOSYS", Assert.Single(Judge("vmmcall-cpl0", null, "RIG cpu check=vmmcall-cpl0 op=vmmcall result=0x602 error=0x0 kvm_signature=0 xen_signature=1 intel=0 level=cpl0")));
        Assert.Empty(Judge("vmcall-cpl0", null, "RIG cpu check=vmcall-cpl0 op=vmcall result=0x602 error=0x0 kvm_signature=0 xen_signature=1 intel=0 level=cpl0"));
        Assert.Contains("other vendor's", Assert.Single(Judge("vmcall-cpl0", null, "RIG cpu check=vmcall-cpl0 op=vmcall result=0xffffffda00 error=0x0 kvm_signature=0 xen_signature=1 intel=0 level=cpl0")));

        // On Intel the roles swap.
        Assert.Empty(Judge("vmcall-cpl0", null, "RIG cpu check=vmcall-cpl0 op=vmcall result=0xffffffda00 error=0x0 kvm_signature=0 xen_signature=1 intel=1 level=cpl0"));
        Assert.Empty(Judge("vmmcall-cpl0", null, "RIG cpu check=vmmcall-cpl0 op=vmmcall result=0x602 error=0x0 kvm_signature=0 xen_signature=1 intel=1 level=cpl0"));
    }

    [Fact]
    public void UmipMakesDescriptorTableReadsAtCpl3AGp()
    {
        Assert.Empty(Judge("umip-cpl3", null, "RIG cpu check=umip-cpl3 op=enable-umip result=0x0 error=0x0 cpuid_umip=1 level=cpl0",
            "RIG cpu check=umip-cpl3 op=str result=0x800000000000000d error=0x0 cpl0=0x40 cr4=0xe40"));
        Assert.Contains("UMIP", Assert.Single(Judge("umip-cpl3", null, "RIG cpu check=umip-cpl3 op=enable-umip result=0x0 error=0x0 cpuid_umip=1 level=cpl0",
            "RIG cpu check=umip-cpl3 op=str result=0x40 error=0x0 cpl0=0x40 cr4=0xe40")));
        Assert.Single(Judge("umip-cpl3", null, "RIG cpu check=umip-cpl3 op=enable-umip result=0x0 error=0x0 cpuid_umip=0 level=cpl0"));
    }

    [Fact]
    public void APageFaultReportsItsAddressInCr2AndTheAccessInItsErrorCode()
    {
        const string Load = "RIG cpu check=page-fault-cr2 op=load result=0x800000000000000e error=0x4 cr2=0x123456788 address=0x123456788";
        Assert.Empty(Judge("page-fault-cr2", null, Load));
        Assert.Contains("CR2", Assert.Single(Judge("page-fault-cr2", null, Load.Replace("cr2=0x123456788", "cr2=0x0", StringComparison.Ordinal))));
        Assert.Single(Judge("page-fault-cr2", null, Load.Replace("error=0x4", "error=0x6", StringComparison.Ordinal)));
        Assert.Empty(Judge("page-fault-cr2", null, Load.Replace("op=load", "op=store", StringComparison.Ordinal).Replace("error=0x4", "error=0x6", StringComparison.Ordinal)));
    }

    [Fact]
    public void SpeculationMsrsExistExactlyWhereCpuidAnnouncesThem()
    {
        Assert.Empty(Judge("spec-ctrl-msr", null, "RIG cpu check=spec-ctrl-msr op=rdmsr result=0x0 error=0x1 gp=1 leaf7_edx=0x0 leaf80000008_ebx=0x0"));
        Assert.Contains("announces it nowhere", Assert.Single(Judge("spec-ctrl-msr", null, "RIG cpu check=spec-ctrl-msr op=rdmsr result=0x0 error=0x0 gp=0 leaf7_edx=0x0 leaf80000008_ebx=0x0")));
        Assert.Empty(Judge("spec-ctrl-msr", null, "RIG cpu check=spec-ctrl-msr op=rdmsr result=0x0 error=0x0 gp=0 leaf7_edx=0x0 leaf80000008_ebx=0x1000000"));
        Assert.Single(Judge("pred-cmd-msr", null, "RIG cpu check=pred-cmd-msr op=wrmsr result=0x0 error=0x1 gp=1 leaf7_edx=0x0 leaf80000008_ebx=0x1000"));
        Assert.Empty(Judge("flush-cmd-msr", null, "RIG cpu check=flush-cmd-msr op=wrmsr result=0x0 error=0x0 gp=0 leaf7_edx=0x10000000 leaf80000008_ebx=0x0"));
    }

    [Fact]
    public void TscAndTscAdjustWritesMoveRdtscByTheirStep()
    {
        const string Adjust = "RIG cpu check=tsc-adjust-msr op=rdmsr-wrmsr result=0x0 error=0x0 gp=0 written=1 cpuid_tsc_adjust=1 tsc_moved=0x1000100000 step=0x1000000000";
        Assert.Empty(Judge("tsc-adjust-msr", null, Adjust));
        Assert.Single(Judge("tsc-adjust-msr", null, Adjust.Replace("tsc_moved=0x1000100000", "tsc_moved=0x100000", StringComparison.Ordinal)));
        Assert.Single(Judge("tsc-adjust-msr", null, Adjust.Replace("cpuid_tsc_adjust=1", "cpuid_tsc_adjust=0", StringComparison.Ordinal)));
        const string Write = "RIG cpu check=tsc-write-msr op=wrmsr result=0x1000100000 error=0x0 gp=0 cpuid_tsc_adjust=1 adjust_readable=1 adjust_moved=0xffff00000 tsc_moved=0x1000100000 step=0x1000000000";
        Assert.Empty(Judge("tsc-write-msr", null, Write));
        Assert.Contains("IA32_TSC_ADJUST moved", Assert.Single(Judge("tsc-write-msr", null, Write.Replace("adjust_moved=0xffff00000", "adjust_moved=0x0", StringComparison.Ordinal))));
    }

    [Fact]
    public void CpuidDifferencesBetweenVcpusOrPrivilegeLevelsAreReported()
    {
        Assert.Empty(Judge("cpuid-vcpus", null, "RIG cpu check=cpuid-vcpus op=summary result=0x0 error=0x0 vcpus=2 entries=60"));
        Assert.Contains("vCPU 1", Assert.Single(Judge("cpuid-vcpus", null, "RIG cpu check=cpuid-vcpus op=differs result=0x1 error=0x0 cpu=1 leaf=0x7 subleaf=0x0 register=ebx reference=0x0",
            "RIG cpu check=cpuid-vcpus op=summary result=0x1 error=0x0 vcpus=2 entries=60")));
        Assert.Single(Judge("cpuid-vcpus", null, "RIG cpu check=cpuid-vcpus op=summary result=0x0 error=0x0 vcpus=1 entries=60"));
        Assert.Contains("CPL3 read", Assert.Single(Judge("cpuid-cpl3", null, "RIG cpu check=cpuid-cpl3 op=differs result=0x1 error=0x0 cpu=0 leaf=0x1 subleaf=0x0 register=ecx reference=0x0",
            "RIG cpu check=cpuid-cpl3 op=summary result=0x1 error=0x0 vcpus=1 entries=60")));
    }

    [Fact]
    public void EveryCheckHasItsCaseAndEveryCaseItsCheck()
    {
        var fixtures = typeof(CpuCheckRun).Assembly.GetTypes()
            .Where(t => t.GetCustomAttributes(typeof(NUnit.Framework.TestFixtureAttribute), false).Length > 0)
            .Select(t => KebabCase.From(t.Name)).Order().ToList();
        Assert.Equal(CpuRules.Checks.Order().ToList(), fixtures);
    }

    [Fact]
    public void TheVmmReportKeepsTheLinesAboutTheStop()
    {
        Assert.Equal("KVM internal error. Suberror: 1 | emulation failure", CpuCheckRun.VmmReport("warning: x\nKVM internal error. Suberror: 1\nemulation failure\n"));
        Assert.Null(CpuCheckRun.VmmReport("qemu: terminating on signal 15\n"));
    }

    [Fact]
    public void AGateToDpl3OrConformingCodeRunsItsHandlerAtCpl3OnTheInterruptedStack()
    {
        // 0x3ffe8 = (0x3fff8 & ~0xf) - 40: the 64-bit frame on the interrupted stack.
        const string Right = "RIG cpu check=gate-dpl3-code-cpl3 op=interrupt result=0x23 error=0x0 xapic=1 selector=0x20 handler_rsp=0x3ffc8 interrupted_rsp=0x3fff8 rsp0=0x301000";
        Assert.Empty(Judge("gate-dpl3-code-cpl3", null, Right));
        string pvm = Right.Replace("result=0x23", "result=0x20", StringComparison.Ordinal).Replace("handler_rsp=0x3ffc8", "handler_rsp=0x300fd8", StringComparison.Ordinal);
        string both = Assert.Single(Judge("gate-dpl3-code-cpl3", null, pvm));
        Assert.Contains("CS 0x20", both);
        Assert.Contains("TSS.RSP0", both);
        Assert.Contains("never ran", Assert.Single(Judge("gate-dpl3-code-cpl3", null, Right.Replace("result=0x23", "result=0x0", StringComparison.Ordinal))));
        string conforming = Right.Replace("gate-dpl3-code-cpl3", "gate-conforming-cpl3", StringComparison.Ordinal);
        Assert.Contains("not 0x2b", Assert.Single(Judge("gate-conforming-cpl3", null, conforming)));
        Assert.Empty(Judge("gate-conforming-cpl3", null, conforming.Replace("result=0x23", "result=0x2b", StringComparison.Ordinal)));
        Assert.Equal("the local APIC could not be enabled in xAPIC mode, through whose page the check sends its self-IPI",
            CpuRules.Unavailable([R(Right.Replace("xapic=1", "xapic=0", StringComparison.Ordinal))]));
    }

    [Fact]
    public void ARunThatDidNotShowTheInstructionCannotBeADeclaredDeviation()
    {
        static string? Unobserved(string check, string? vmStop, params string[] lines) => CpuRules.Unobserved(check, lines.Select(R).ToList(), vmStop);

        const string Pvm = "RIG cpu check=gate-dpl3-code-cpl3 op=interrupt result=0x20 error=0x0 xapic=1 selector=0x20 handler_rsp=0x300fd8 interrupted_rsp=0x3fff8 rsp0=0x301000";
        Assert.Null(Unobserved("gate-dpl3-code-cpl3", null, Pvm));
        Assert.Contains("never arrived", Unobserved("gate-dpl3-code-cpl3", null, Pvm.Replace("result=0x20", "result=0x0", StringComparison.Ordinal)));
        Assert.Null(Unobserved("gate-dpl3-code-cpl0", null, "RIG cpu check=gate-dpl3-code-cpl0 op=interrupt result=0x2000 error=0x0 xapic=1 selector=0x20 level=cpl0"));

        // A silent boot, and a guest that announced the instruction and then said nothing without the VM stopping.
        Assert.Contains("no outcome", Unobserved("int3-cpl0", null));
        Assert.Contains("no outcome", Unobserved("int3-cpl0", null, "RIG cpu-enter check=int3-cpl0"));
        Assert.Null(Unobserved("int3-cpl0", "VMM status internal-error: KVM internal error. Suberror: 1", "RIG cpu-enter check=int3-cpl0"));
        Assert.Contains("before the guest reached", Unobserved("int3-cpl0", "VMM status internal-error: KVM internal error. Suberror: 1"));
    }

    [Fact]
    public void AGateToDpl3CodeAtCpl0IsAGpWithTheSelectorAndExt()
    {
        // Gate operation result: kind 1 (at the boundary after HLT), vector 13, error code 0x21.
        Assert.Empty(Judge("gate-dpl3-code-cpl0", null, "RIG cpu check=gate-dpl3-code-cpl0 op=interrupt result=0x210d01 error=0x0 xapic=1 selector=0x20 level=cpl0"));
        Assert.Contains("instead of #GP(0x21)", Assert.Single(Judge("gate-dpl3-code-cpl0", null, "RIG cpu check=gate-dpl3-code-cpl0 op=interrupt result=0x200d01 error=0x0 xapic=1 selector=0x20 level=cpl0")));
        Assert.Contains("handler ran", Assert.Single(Judge("gate-dpl3-code-cpl0", null, "RIG cpu check=gate-dpl3-code-cpl0 op=interrupt result=0x2000 error=0x0 xapic=1 selector=0x20 level=cpl0")));
    }

    [Fact]
    public void IretqChecksTheRplsOfItsSelectors()
    {
        Assert.Empty(Judge("iretq-cs-rpl-cpl3", null, "RIG cpu check=iretq-cs-rpl-cpl3 op=iretq result=0x800000000000000d error=0x20 cs=0x20"));
        Assert.Single(Judge("iretq-cs-rpl-cpl3", null, "RIG cpu check=iretq-cs-rpl-cpl3 op=iretq result=0x8000000000000006 error=0x0 cs=0x20"));
        Assert.Empty(Judge("iretq-ss-rpl-cpl0", null, "RIG cpu check=iretq-ss-rpl-cpl0 op=iretq result=0x180d02 error=0x0 ss=0x18 level=cpl0"));
        Assert.Contains("instead of #GP(0x18)", Assert.Single(Judge("iretq-ss-rpl-cpl0", null, "RIG cpu check=iretq-ss-rpl-cpl0 op=iretq result=0x0 error=0x0 ss=0x18 level=cpl0")));
        Assert.Empty(Judge("iretq-null-ss-cpl0", null, "RIG cpu check=iretq-null-ss-cpl0 op=iretq result=0xd02 error=0x0 ss=0x0 level=cpl0"));
        Assert.Single(Judge("iretq-null-ss-cpl0", null, "RIG cpu check=iretq-null-ss-cpl0 op=iretq result=0x0 error=0x0 ss=0x0 level=cpl0"));
    }

    [Fact]
    public void CallGatesChangePrivilegeOnlyWhenTheirDplAllows()
    {
        const string Right = "RIG cpu check=call-gate-cpl3 op=call-far result=0x8 error=0x0 selector=0x143 target_rsp=0x300fe0 pushed_cs=0x23 rsp0=0x301000";
        Assert.Empty(Judge("call-gate-cpl3", null, Right));
        Assert.Contains("TSS.RSP0", Assert.Single(Judge("call-gate-cpl3", null, Right.Replace("target_rsp=0x300fe0", "target_rsp=0x40fff0", StringComparison.Ordinal))));
        Assert.Contains("#UD", Assert.Single(Judge("call-gate-cpl3", null, Right.Replace("result=0x8 ", "result=0x8000000000000006 ", StringComparison.Ordinal))));
        Assert.Empty(Judge("call-gate-dpl0-cpl3", null, "RIG cpu check=call-gate-dpl0-cpl3 op=call-far result=0x800000000000000d error=0x150 selector=0x150 target_rsp=0x0 pushed_cs=0x0 rsp0=0x301000"));
        Assert.Single(Judge("call-gate-dpl0-cpl3", null, "RIG cpu check=call-gate-dpl0-cpl3 op=call-far result=0x800000000000000d error=0x0 selector=0x150 target_rsp=0x0 pushed_cs=0x0 rsp0=0x301000"));
    }

    [Fact]
    public void SysenterFollowsSepTheVendorAndSysenterCs()
    {
        const string Gp0 = "RIG cpu check=sysenter-cpl3 op=sysenter result=0x800000000000000d error=0x0 cpuid_sep=1 intel=1 sysenter_cs_written=1";
        Assert.Empty(Judge("sysenter-cpl3", null, Gp0));
        Assert.Single(Judge("sysenter-cpl3", null, Gp0.Replace("result=0x800000000000000d", $"result={Ud}", StringComparison.Ordinal)));
        Assert.Empty(Judge("sysenter-cpl3", null, Gp0.Replace("result=0x800000000000000d", $"result={Ud}", StringComparison.Ordinal).Replace("intel=1", "intel=0", StringComparison.Ordinal)));
        Assert.Empty(Judge("sysenter-cpl3", null, Gp0.Replace("result=0x800000000000000d", $"result={Ud}", StringComparison.Ordinal).Replace("cpuid_sep=1", "cpuid_sep=0", StringComparison.Ordinal)));
    }

    [Fact]
    public void SysenterEntersAtCpl0WithItsMsrsAndSysexitReturnsToRdxWithRcx()
    {
        const string Entry = "RIG cpu check=sysenter-sysexit op=sysenter result=0x0 error=0x0 cpuid_sep=1 intel=1 msrs_written=1 sysenter_cs=0x160 sysenter_esp=0x40fe00 "
            + "caller_rflags=0x3246 entry_rsp=0x40fe00 entry_cs=0x160 entry_ss=0x168 entry_rflags=0x3046";
        const string Exit = "RIG cpu check=sysenter-sysexit op=sysexit result=0x0 error=0x0 sysenter_cs=0x160 rcx=0x40f800 entry_rflags=0x3046 "
            + "landing_rsp=0x40f800 landing_cs=0x183 landing_ss=0x18b landing_rflags=0x3046";
        Assert.Empty(Judge("sysenter-sysexit", null, Entry, Exit));
        Assert.Contains("IF was still set", Assert.Single(Judge("sysenter-sysexit", null, Entry.Replace("entry_rflags=0x3046", "entry_rflags=0x3246", StringComparison.Ordinal), Exit)));
        Assert.Contains("not the caller's", Assert.Single(Judge("sysenter-sysexit", null, Entry.Replace("entry_rflags=0x3046", "entry_rflags=0x3006", StringComparison.Ordinal), Exit)));
        Assert.Contains("CS was 0x163", Assert.Single(Judge("sysenter-sysexit", null, Entry.Replace("entry_cs=0x160", "entry_cs=0x163", StringComparison.Ordinal), Exit)));
        Assert.Contains("RSP was 0x40fe08", Assert.Single(Judge("sysenter-sysexit", null, Entry.Replace("entry_rsp=0x40fe00", "entry_rsp=0x40fe08", StringComparison.Ordinal), Exit)));
        Assert.Contains("landing's SS was 0x1b", Assert.Single(Judge("sysenter-sysexit", null, Entry, Exit.Replace("landing_ss=0x18b", "landing_ss=0x1b", StringComparison.Ordinal))));
        Assert.Contains("landing's RSP", Assert.Single(Judge("sysenter-sysexit", null, Entry, Exit.Replace("landing_rsp=0x40f800", "landing_rsp=0x40f900", StringComparison.Ordinal))));
        Assert.Contains("landing's RFLAGS", Assert.Single(Judge("sysenter-sysexit", null, Entry, Exit.Replace("landing_rflags=0x3046", "landing_rflags=0x3246", StringComparison.Ordinal))));
        Assert.Contains("CPL3 event path", Assert.Single(Judge("sysenter-sysexit", null, Entry.Replace("result=0x0", "result=0x3", StringComparison.Ordinal),
            Exit.Replace("result=0x0", "result=0x3", StringComparison.Ordinal))));

        // Where SYSENTER does not enter, the entry never ran and only its record exists: #UD is right where CPUID hides SEP or the vendor is AMD.
        string ud = Entry.Replace("result=0x0", $"result={Ud}", StringComparison.Ordinal);
        Assert.Contains("instead of entering", Assert.Single(Judge("sysenter-sysexit", null, ud)));
        Assert.Empty(Judge("sysenter-sysexit", null, ud.Replace("intel=1", "intel=0", StringComparison.Ordinal)));
        Assert.Empty(Judge("sysenter-sysexit", null, ud.Replace("cpuid_sep=1", "cpuid_sep=0", StringComparison.Ordinal)));
        Assert.Contains("no transfer", Assert.Single(Judge("sysenter-sysexit", null, Entry.Replace("result=0x0", "result=0x1", StringComparison.Ordinal))));
    }

    [Fact]
    public void WithPviCliAndStiAtCpl3ToggleVifAndStiWithVipIsGp0()
    {
        const string Gp0 = "0x800000000000000d";
        string[] pvi =
        [
            "RIG cpu check=pvi-cli-sti-cpl3 op=enable-pvi result=0x0 error=0x0 cpuid_vme=1 level=cpl0",
            "RIG cpu check=pvi-cli-sti-cpl3 op=cli result=0x0 error=0x0 pvi=1 cpuid_vme=1 rflags=0x202",
            "RIG cpu check=pvi-cli-sti-cpl3 op=sti result=0x0 error=0x0 pvi=1 cpuid_vme=1 rflags=0x80202",
            $"RIG cpu check=pvi-cli-sti-cpl3 op=sti-vip result={Gp0} error=0x0 pvi=1 cpuid_vme=1 rflags=0x0",
            "RIG cpu check=pvi-cli-sti-cpl3 op=iretq-vif result=0x0 error=0x0 pvi=1 cpuid_vme=1 rflags=0x80202",
        ];
        Assert.Empty(Judge("pvi-cli-sti-cpl3", null, pvi));
        Assert.Contains("instead of clearing VIF", Assert.Single(Judge("pvi-cli-sti-cpl3", null, [pvi[0], pvi[1].Replace("result=0x0", $"result={Gp0}", StringComparison.Ordinal), pvi[2], pvi[3]])));
        Assert.Contains("left VIF 1", Assert.Single(Judge("pvi-cli-sti-cpl3", null, [pvi[0], pvi[1].Replace("rflags=0x202", "rflags=0x80202", StringComparison.Ordinal), pvi[2], pvi[3]])));
        Assert.Contains("cleared IF", Assert.Single(Judge("pvi-cli-sti-cpl3", null, [pvi[0], pvi[1].Replace("rflags=0x202", "rflags=0x2", StringComparison.Ordinal), pvi[2], pvi[3]])));
        Assert.Contains("left VIF 0", Assert.Single(Judge("pvi-cli-sti-cpl3", null, [pvi[0], pvi[1], pvi[2].Replace("rflags=0x80202", "rflags=0x202", StringComparison.Ordinal), pvi[3]])));
        Assert.Single(Judge("pvi-cli-sti-cpl3", null, [pvi[0], pvi[1], pvi[2], pvi[3].Replace($"result={Gp0}", "result=0x0", StringComparison.Ordinal)]));
        Assert.Contains("not loaded", Assert.Single(Judge("pvi-cli-sti-cpl3", null, [pvi[0], pvi[1], pvi[2], pvi[3], pvi[4].Replace("rflags=0x80202", "rflags=0x202", StringComparison.Ordinal)])));

        // Without VME, CR4.PVI is reserved (#GP on the MOV CR4) and CLI/STI at CPL 3 > IOPL are #GP(0).
        string[] none =
        [
            $"RIG cpu check=pvi-cli-sti-cpl3 op=enable-pvi result=0xd02 error=0x0 cpuid_vme=0 level=cpl0",
            $"RIG cpu check=pvi-cli-sti-cpl3 op=cli result={Gp0} error=0x0 pvi=0 cpuid_vme=0 rflags=0x202",
            $"RIG cpu check=pvi-cli-sti-cpl3 op=sti result={Gp0} error=0x0 pvi=0 cpuid_vme=0 rflags=0x202",
            $"RIG cpu check=pvi-cli-sti-cpl3 op=sti-vip result={Gp0} error=0x0 pvi=0 cpuid_vme=0 rflags=0x0",
        ];
        Assert.Empty(Judge("pvi-cli-sti-cpl3", null, none));
        Assert.Single(Judge("pvi-cli-sti-cpl3", null, [none[0], pvi[1].Replace("pvi=1", "pvi=0", StringComparison.Ordinal), none[2], none[3]]));

        // QEMU 7.2 TCG: CPUID hides VME, yet CR4.PVI sticks; that write is the deviation, CLI/STI with the reserved bit set are not judged.
        Assert.Contains("no event", Assert.Single(Judge("pvi-cli-sti-cpl3", null, [none[0].Replace("result=0xd02", "result=0x0", StringComparison.Ordinal),
            none[1].Replace("pvi=0", "pvi=1", StringComparison.Ordinal), none[2].Replace("pvi=0", "pvi=1", StringComparison.Ordinal), none[3]])));
    }

    [Fact]
    public void ClearingPagingOrPaeInLongModeIsGp0AndAHangIsADeviation()
    {
        Assert.Empty(Judge("cr0-pg-clear-cpl0", null, "RIG cpu check=cr0-pg-clear-cpl0 op=mov-cr0 result=0xd02 error=0x0 bit=31 level=cpl0"));
        Assert.Contains("written back at once", Assert.Single(Judge("cr0-pg-clear-cpl0", null, "RIG cpu check=cr0-pg-clear-cpl0 op=mov-cr0 result=0x100 error=0x0 bit=31 level=cpl0")));
        Assert.Contains("left IA-32e mode", Assert.Single(Judge("cr0-pg-clear-cpl0", null, "RIG cpu check=cr0-pg-clear-cpl0 op=mov-cr0 result=0x200 error=0x0 bit=31 level=cpl0")));
        Assert.Contains("stopped", Assert.Single(CpuRules.Check("cr4-pae-clear-cpl0", [R("RIG cpu-enter check=cr4-pae-clear-cpl0")], "the vCPU hung")));
    }

    [Fact]
    public void TheXsaveFamilyIsUdWhileOsxsaveIsClear()
    {
        const string Cr4 = "cr4=0x640 cpuid_xsave=1";
        Assert.Empty(Judge("xsave-family-cpl3", null, $"RIG cpu check=xsave-family-cpl3 op=xgetbv result={Ud} error=0x0 {Cr4}", $"RIG cpu check=xsave-family-cpl3 op=xsave result={Ud} error=0x0 {Cr4}",
            $"RIG cpu check=xsave-family-cpl3 op=xsetbv result={Ud} error=0x0 {Cr4}"));
        Assert.Contains("the host's", Assert.Single(Judge("xsave-family-cpl3", null, $"RIG cpu check=xsave-family-cpl3 op=xgetbv result=0x602e7 error=0x0 {Cr4}")));
        Assert.Empty(Judge("xsave-family-cpl3", null, "RIG cpu check=xsave-family-cpl3 op=xsetbv result=0x800000000000000d error=0x0 cr4=0x40640 cpuid_xsave=1"));
    }
}
