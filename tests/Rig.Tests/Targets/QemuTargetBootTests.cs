using Rig.Config;
using Rig.Targets;

namespace Rig.Tests.Targets;

/// <summary>A PVH image booted through QemuTarget end to end: sockets, COM1 records, exit status, nothing left running.</summary>
public sealed class QemuTargetBootTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rig-boot-");

    public void Dispose() => _dir.Delete(recursive: true);

    [RequiresQemuFact]
    public async Task Records_and_exit_status_of_a_pvh_guest_reach_the_rig_on_tcg()
    {
        var image = ProbeLikeGuest.WriteImage(_dir.FullName, ["hello from the guest", "RIG ok smoke.boot n=1", "RIG metric smoke.boot lat=12 unit=us"], exitStatus: 1);
        var target = new QemuTarget("qemu-tcg", Tcg(), _dir.FullName);

        await using var vm = await target.BootAsync(new VmSpec(image, "seconds=1", TimeSpan.FromSeconds(60)), CancellationToken.None);
        var exit = await vm.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit.ProbeStatus);
        var records = new List<Protocol.Record>();
        await foreach (var r in vm.Records.ReadAllAsync())
        {
            records.Add(r);
        }

        Assert.Equal(["ok", "metric"], records.Select(r => r.Kind));
        Assert.Contains("hello from the guest", vm.Com1Lines);
    }

    [RequiresQemuFact]
    public async Task A_guest_that_never_exits_is_killed_at_the_bound_and_reported_so()
    {
        var image = ProbeLikeGuest.WriteImage(_dir.FullName, ["RIG boot n=1 cpus=1"], exitStatus: null);
        var target = new QemuTarget("qemu-tcg", Tcg(), _dir.FullName);

        await using var vm = await target.BootAsync(new VmSpec(image, "", TimeSpan.FromSeconds(60)), CancellationToken.None);
        var exit = await vm.WaitForExitAsync(TimeSpan.FromMilliseconds(500));

        Assert.True(exit.TimedOut);
        Assert.Null(exit.ProbeStatus);
        Assert.Contains("did not exit", exit.ToString(), StringComparison.Ordinal);
    }

    [RequiresQemuFact]
    public async Task A_defect_is_refused_on_qemu_because_only_the_reference_has_them()
    {
        var target = new QemuTarget("qemu-tcg", Tcg(), _dir.FullName);

        await Assert.ThrowsAsync<TargetUnsupportedException>(
            () => target.BootAsync(new VmSpec("x.elf", "", TimeSpan.FromSeconds(5), Defect: "stale-lapic-on-reset"), CancellationToken.None));
    }

    private static TargetOptions Tcg() => new() { Kind = "qemu", Binary = RequiresQemuFactAttribute.Qemu, Accel = "tcg", Machine = "microvm", MemoryMb = 32 };
}
