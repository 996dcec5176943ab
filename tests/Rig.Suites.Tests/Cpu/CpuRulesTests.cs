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
}
