using System.Text;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

/// <summary>dom0's fault lines read from a growing console log, as xen-tcg's QEMU writes it.</summary>
public sealed class Dom0FaultsTests : IDisposable
{
    private readonly string _log = Path.GetTempFileName();

    [Fact]
    public void A_clean_boot_has_no_faults()
    {
        Append("(XEN) [   38.416080] HVM d1v3 save: CPU_MSR\n[    5.355029] Already setup the GSI :4\nrig-init: modules loaded at 17.19 s\n");

        Assert.Empty(new Dom0Faults(_log).Poll());
    }

    [Fact]
    public void Fault_lines_are_found_as_the_log_grows_and_a_partial_line_once_it_is_whole()
    {
        var faults = new Dom0Faults(_log);
        Append("[   56.410775] exe[171]: segfault at 8 ip 00000000004a4d02 sp 00007ffd1112df18 error 4 in busybox[401000+184000]\n");
        Append("[  284.600000] traps: xl[230] general protection fault ip:7f96a3a6f723 sp:7ffd error:0 in libc.so.6");

        Assert.Single(faults.Poll());

        Append(" [7f96+156000]\n");
        var lines = faults.Poll();

        Assert.Equal(2, lines.Count);
        Assert.StartsWith("[   56.410775] exe[171]: segfault at 8", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("in libc.so.6 [7f96+156000]", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_do_not_move_the_reading_place()
    {
        var faults = new Dom0Faults(_log);
        File.AppendAllText(_log, "garbage \xff\xfe\xfd from a guest\n", Encoding.Latin1);
        faults.Poll();

        Append("[ 237.699562] xen-qemu-system[149]: segfault at 39e53e38a5 ip 00007f96a3a6f723\n");

        Assert.Equal(["[ 237.699562] xen-qemu-system[149]: segfault at 39e53e38a5 ip 00007f96a3a6f723"], faults.Poll());
    }

    [Fact]
    public void A_log_gone_with_its_machine_keeps_what_was_read()
    {
        var faults = new Dom0Faults(_log);
        Append("[ 1.0] Kernel panic - not syncing: Attempted to kill init!\n");
        faults.Poll();
        File.Delete(_log);

        Assert.Single(faults.Poll());
    }

    private void Append(string text) => File.AppendAllText(_log, text);

    public void Dispose() => File.Delete(_log);
}
