using System.Diagnostics;
using Rig.Targets.Xen;

namespace Rig.Tests.Targets.Xen;

public sealed class XenBootProgressTests : IDisposable
{
    private readonly string _log = Path.Combine(Path.GetTempPath(), "rig-xen-boot-" + Guid.NewGuid().ToString("N") + ".log");

    public void Dispose() => File.Delete(_log);

    [Fact]
    public void Each_stage_is_named_once_its_console_line_appeared_and_the_others_are_not_seen()
    {
        var progress = new XenBootProgress(_log, Stopwatch.StartNew());
        File.WriteAllText(_log, "(XEN) [    0.000000] Xen version 4.17.5\n");
        progress.Poll();
        File.AppendAllText(_log, "rig-init: modules loaded at 5.1 s\n");
        progress.Poll();

        var summary = progress.Summary();
        Assert.Matches(@"^Xen's first line \d+ s, dom0 init, Xen modules loaded \d+ s, xenstored and xenconsoled up not seen$", summary);
    }

    [Fact]
    public void The_last_output_moves_only_when_the_log_grows()
    {
        var clock = Stopwatch.StartNew();
        var progress = new XenBootProgress(_log, clock);
        File.WriteAllText(_log, "(XEN) one\n");
        progress.Poll();
        var first = progress.LastOutput;
        Thread.Sleep(50);
        progress.Poll();
        Assert.Equal(first, progress.LastOutput);

        File.AppendAllText(_log, "(XEN) two\n");
        progress.Poll();
        Assert.True(progress.LastOutput > first);
    }
}
