using Rig.Com2;
using Rig.Targets;

namespace Rig.Tests.Targets.Xen;

/// <summary>
/// The PVH runtime path on a real Xen: SelfTest booted as a PVH domU of xen-tcg, its verdicts over the PV console, a
/// host answer back through it, its exit through SCHEDOP_shutdown. One Xen boot (~11 s on an idle 2-core host, minutes
/// on a loaded one) and one guest.
/// </summary>
[Collection(XenUnderTcgCollection.Name)]
public sealed class XenTcgSmokeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(8);

    public static XenTarget Target() => new("xen-tcg", RequiresXenKitFactAttribute.Options, RequiresXenKitFactAttribute.RepoRoot);

    private static XenTarget HvmTarget()
    {
        var options = RequiresXenKitFactAttribute.Options;
        options.Machine = "hvm";
        return new XenTarget("xen-tcg-hvm", options, RequiresXenKitFactAttribute.RepoRoot);
    }

    [RequiresXenKitFact]
    public async Task SelfTest_runs_as_a_pvh_guest_of_xen_and_exits_through_schedop_shutdown()
    {
        var image = Path.Combine(RequiresXenKitFactAttribute.RepoRoot, "artifacts", "probes", "SelfTest.elf");
        Assert.True(File.Exists(image), $"{image} missing: build Rig.sln first");

        await using var vm = await Target().BootAsync(new VmSpec(image, "seconds=1 control=1", Bound, Vcpus: 2), CancellationToken.None);
        vm.ServeHostActions(new StandardHostActions());
        var exit = await vm.WaitForExitAsync(Bound);

        // The path is under test here, not Xen's conformance (the smoke suite on xen-tcg judges that): the probe ran to
        // its end, said so over the PV console, and its SCHEDOP_shutdown reason carries the status its verdicts imply.
        var evidence = $"{exit}\n{string.Join('\n', vm.Com1Lines)}\n{vm.VmmDiagnostics}";
        var verdicts = await vm.Records.ReadAllAsync().ToListAsync();
        int expected = verdicts.Any(r => r.Kind == "error") ? 2 : verdicts.Any(r => r.Kind == "fail") ? 1 : 0;
        Assert.True(exit.ProbeStatus == expected, evidence);
        Assert.Contains(verdicts, r => r.Kind == "ok" && r.Case?.EndsWith(".exception.ud", StringComparison.Ordinal) == true);
        Assert.Contains(verdicts, r => r.Kind == "ok" && r.Case?.EndsWith(".smp", StringComparison.Ordinal) == true);
        Assert.Contains(verdicts, r => r.Kind == "metric" && r["source"] == "xen-leaf");

        // The host-time answer went both ways over the PV console while the guest ran: a console that reached dom0 only
        // at the domain's death (busybox cat's sendfile in the agent) let every other check pass.
        Assert.True(verdicts.Any(r => r.Kind == "ok" && r.Case?.EndsWith(".control", StringComparison.Ordinal) == true), evidence);
    }

    /// <summary>
    /// An HVM probe boots in hvmloader's place (firmware_override), whose hvm_start_info carries no command line: it
    /// reads it from qemu-xen's fw_cfg (FW_CFG_CMDLINE_SIZE/DATA, 0x14/0x15). With <c>control=1</c> arriving SelfTest asks
    /// the rig for its clock over COM2; without it the check skips "no-control-channel" (as it did with 0x13/0x14).
    /// </summary>
    [RequiresXenKitFact]
    public async Task SelfTest_as_an_hvm_guest_gets_its_command_line_through_fw_cfg()
    {
        var image = Path.Combine(RequiresXenKitFactAttribute.RepoRoot, "artifacts", "probes", "SelfTest.elf");
        Assert.True(File.Exists(image), $"{image} missing: build Rig.sln first");

        await using var vm = await HvmTarget().BootAsync(new VmSpec(image, "seconds=1 control=1", Bound, Vcpus: 1), CancellationToken.None);
        vm.ServeHostActions(new StandardHostActions());
        var exit = await vm.WaitForExitAsync(Bound);

        var evidence = $"{exit}\n{string.Join('\n', vm.Com1Lines)}\n{vm.VmmDiagnostics}";
        var verdicts = await vm.Records.ReadAllAsync().ToListAsync();
        // control=1 reaches an HVM probe through fw_cfg alone (its hvm_start_info has no command line), so the host-time
        // answer it asked for is the proof.
        Assert.True(verdicts.Any(r => r.Kind == "ok" && r.Case?.EndsWith(".control", StringComparison.Ordinal) == true), evidence);
    }
}
