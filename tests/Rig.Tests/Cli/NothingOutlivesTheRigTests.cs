using System.Diagnostics;
using Rig.Hosting;
using Rig.Tests.Config;
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
        var qemu = await WaitForQemuUsing(probes.FullName);
        rig.Kill();

        var clock = Stopwatch.StartNew();
        while (ProcessExists(qemu) && clock.Elapsed < Bound)
        {
            await Task.Delay(50);
        }

        Assert.False(ProcessExists(qemu), $"qemu {qemu} still running {Bound.TotalSeconds} s after the rig was killed");
    }

    private static async Task<int> WaitForQemuUsing(string probeDirectory)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Bound)
        {
            foreach (var dir in Directory.GetDirectories("/proc").Select(Path.GetFileName))
            {
                if (int.TryParse(dir, out var pid) && CommandLine(pid).Contains(probeDirectory, StringComparison.Ordinal)
                    && CommandLine(pid).StartsWith("/usr/bin/qemu", StringComparison.Ordinal))
                {
                    return pid;
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"no qemu booting from {probeDirectory} within {Bound.TotalSeconds} s");
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    // A killed child stays a zombie until reaped; "exists" means it still has a command line, i.e. it is still running.
    private static bool ProcessExists(int pid) => CommandLine(pid).Length > 0;
}
