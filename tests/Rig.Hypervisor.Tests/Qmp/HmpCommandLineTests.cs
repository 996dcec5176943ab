using Rig.Hypervisor.Qmp;

namespace Rig.Hypervisor.Tests.Qmp;

/// <summary>HMP's mce line: the values and texts QEMU 7.2 gives for the same lines (observed on its monitor).</summary>
public sealed class HmpCommandLineTests
{
    private const string TryHelp = "\r\nTry \"help mce\" for more information\r\n";

    [Theory]
    [InlineData("mce 0 1 0xb000000000000000 0x5 0x1000 0", 0, 1, 0xb000000000000000UL, 5UL, 0x1000UL, 0UL)]
    [InlineData("  mce   1 9 10 3 4 5  ", 1, 9, 10UL, 3UL, 4UL, 5UL)]
    [InlineData("mce 0 1 010 0X1f 0 0", 0, 1, 8UL, 0x1fUL, 0UL, 0UL)]
    [InlineData("mce 0 1 0x10 3 4 5+1", 0, 1, 0x10UL, 3UL, 4UL, 6UL)]
    [InlineData("mce 0 1 (1+2)*4 ~0 (-1) 0x10|0x3", 0, 1, 12UL, ulong.MaxValue, ulong.MaxValue, 0x13UL)]
    [InlineData("mce 0 1 0xffffffffffffffff 0 0 0", 0, 1, ulong.MaxValue, 0UL, 0UL, 0UL)]
    public void Good_lines_give_QEMUs_values(string line, int cpu, int bank, ulong status, ulong mcgStatus, ulong addr, ulong misc)
    {
        var vm = new FakeVm();

        string output = HmpCommandLine.Execute(line, vm);

        Assert.Equal("", output);
        Assert.Equal([$"mce {cpu} {bank} 0x{status:x} 0x{mcgStatus:x} 0x{addr:x} 0x{misc:x}"], vm.Calls);
    }

    [Theory]
    [InlineData("mce 0 1", "unexpected end of expression" + TryHelp)]
    [InlineData("mce 0 1 0x10 3 4", "unexpected end of expression" + TryHelp)]
    [InlineData("mce 0 1 0x10 3 4 -5", "unexpected end of expression" + TryHelp)] // "4 -5" is one expression
    [InlineData("mce 0 1 zz 0 0 0", "invalid char 'z' in expression" + TryHelp)]
    [InlineData("mce 0 1 1 3 4 5 -b", "invalid char 'b' in expression" + TryHelp)]
    [InlineData("mce 0 1 2 3 4 5 6", "mce: extraneous characters at the end of line" + TryHelp)]
    [InlineData("mce 0 1 0x10 3 4 0xg", "mce: extraneous characters at the end of line" + TryHelp)]
    [InlineData("mce -1 1 2 3 4 5", "mce: unsupported option -1" + TryHelp)]
    [InlineData("mce 0 1 0x1ffffffffffffffff 3 4 5", "number too large" + TryHelp)]
    [InlineData("mce 99999999999 1 1 3 4 5", "'mce' has failed: integer is for 32-bit values" + TryHelp)]
    [InlineData("mce 0 1 (1 3 4 5 6", "')' expected" + TryHelp)]
    [InlineData("mce 0 1 1/0 3 4 5", "division by zero" + TryHelp)]
    [InlineData("MCE 0 1 1 3 4 5", "unknown command: 'MCE'\r\n")]
    [InlineData("info registers", "unknown command: 'info'\r\n")]
    [InlineData("", "")]
    [InlineData("mce -b 0 1 0xb000000000000000 0 0 0", "mce: -b (broadcast to every vCPU) is not supported by rig-hv\r\n")]
    public void Bad_lines_print_QEMUs_text_and_inject_nothing(string line, string expected)
    {
        var vm = new FakeVm();

        string output = HmpCommandLine.Execute(line, vm);

        Assert.Equal(expected, output);
        Assert.Empty(vm.Calls);
    }
}
