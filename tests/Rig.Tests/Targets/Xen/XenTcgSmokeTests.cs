using Rig.Targets;

namespace Rig.Tests.Targets.Xen;

/// <summary>
/// The PVH runtime path on a real Xen: SelfTest booted as a PVH domU of xen-tcg, its verdicts over the PV console, its
/// exit through SCHEDOP_shutdown. One Xen boot (~11 s on an idle 2-core host, minutes on a loaded one) and one guest.
/// </summary>
public sealed class XenTcgSmokeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(8);

    public static XenTarget Target() => new("xen-tcg", RequiresXenKitFactAttribute.Options, RequiresXenKitFactAttribute.RepoRoot);

    [RequiresXenKitFact]
    public async Task SelfTest_runs_as_a_pvh_guest_of_xen_and_exits_through_schedop_shutdown()
    {
        var image = Path.Combine(RequiresXenKitFactAttribute.RepoRoot, "artifacts", "probes", "SelfTest.elf");
        Assert.True(File.Exists(image), $"{image} missing: build Rig.sln first");

        await using var vm = await Target().BootAsync(new VmSpec(image, "seconds=1", Bound, Vcpus: 2), CancellationToken.None);
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
    }
}
