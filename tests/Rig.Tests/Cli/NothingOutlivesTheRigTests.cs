using System.Diagnostics;
using Rig.Hosting;
using Rig.Tests.Config;
using Rig.Tests.Faults;
using Rig.Tests.Targets;

namespace Rig.Tests.Cli;

/// <summary>A VM must not outlive the rig, even when the rig is SIGKILLed and can run no cleanup of its own.</summary>
public sealed class NothingOutlivesTheRigTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [RequiresQemuAndSmokeSuiteFact]
    public async Task Killing_the_rig_with_sigkill_takes_its_qemu_with_it()
    {
        var tcg = """ "targets": { "qemu-tcg": { "kind": "qemu", "binary": "qemu-system-x86_64", "accel": "tcg", "memoryMb": 32 } } """;
        using var checkout = new TemporaryCheckout("{}");
        File.WriteAllText(Path.Combine(checkout.Root, "rig.json"),
            $$"""{ "suites": "{{RequiresQemuAndSmokeSuiteFactAttribute.BinRoot}}", "probes": "probes", "store": "r.db", {{tcg}} }""");
        var probes = Directory.CreateDirectory(Path.Combine(checkout.Root, "probes"));
        var image = ProbeLikeGuest.WriteImage(probes.FullName, ["RIG boot n=1 cpus=1"], exitStatus: null);
        File.Move(image, Path.Combine(probes.FullName, "SelfTest.elf"));

        using var rig = await ChildProcesses.StartAsync("env", [$"RIG_ROOT={checkout.Root}", "dotnet", RigCli.Dll, "run", "--suite", "smoke", "--release", "kill-test"]);
        var qemu = await HostProcesses.WaitForAsync("/usr/bin/qemu", probes.FullName, Bound);
        rig.Kill();

        var clock = Stopwatch.StartNew();
        while (HostProcesses.IsRunning(qemu) && clock.Elapsed < Bound)
        {
            await Task.Delay(50);
        }

        Assert.False(HostProcesses.IsRunning(qemu), $"qemu {qemu} still running {Bound.TotalSeconds} s after the rig was killed");
    }
}
