using Rig.Config;
using Rig.Results;
using Rig.Store;
using Rig.Tests.Cli;
using Rig.Tests.Targets;

namespace Rig.Tests.Faults;

/// <summary>
/// A throwaway checkout for a host-fault test: the built smoke suite, its own probe directory (whose path marks every
/// VMM the rig starts for it, <see cref="HostProcesses"/>), its own store, and the targets the test names:
/// <c>qemu-tcg</c> and <c>reference</c> are the real VMMs, <c>fake-MODE</c> is <see cref="FakeVmm"/> with <c>--fault MODE</c>.
/// </summary>
public sealed class FaultCheckout : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("rig-faults-");

    public FaultCheckout(params string[] targets)
    {
        Directory.CreateDirectory(Probes);
        var fakeVmm = Path.Combine(Root, "fake-vmm");
        var script = $"#!/bin/sh\nexec dotnet '{typeof(FakeVmm).Assembly.Location}' {FakeVmm.Verb} \"$@\"\n";
        File.WriteAllText(fakeVmm, script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fakeVmm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var entries = targets.Select(t => t switch
        {
            "qemu-tcg" => """
                "qemu-tcg": { "kind": "qemu", "binary": "qemu-system-x86_64", "accel": "tcg", "machine": "microvm", "cpu": "max",
                              "memoryMb": 32, "machineOptions": "rtc=on,acpi=on", "extraArgs": ["-device", "i8042"] }
                """,
            "reference" => $$""" "reference": { "kind": "reference", "binary": "{{RigHv}}", "memoryMb": 32 } """,
            _ when t.StartsWith("fake-", StringComparison.Ordinal) =>
                $$""" "{{t}}": { "kind": "reference", "binary": "{{fakeVmm}}", "extraArgs": ["--fault", "{{t["fake-".Length..]}}"] } """,
            _ => throw new ArgumentException($"no such fault-test target: {t}"),
        });
        WriteConfig($$"""
            { "suites": "{{RequiresQemuAndSmokeSuiteFactAttribute.BinRoot}}", "probes": "{{Probes}}", "store": "{{Store}}",
              "targets": { {{string.Join(",", entries)}} } }
            """);
        WriteProbe(["RIG boot n=1 cpus=1"], exitStatus: null);
    }

    public static string RigHv => Path.Combine(RepoRoot.Find(), "artifacts", "bin", "Rig.Hypervisor", "debug", "rig-hv");

    public string Root => _dir.FullName;

    public string Probes => Path.Combine(Root, "probes");

    public string Store => Path.Combine(Root, "results", "rig.db");

    public string ProbeImage => Path.Combine(Probes, "SelfTest.elf");

    public void WriteConfig(string rigJson) => File.WriteAllText(Path.Combine(Root, "rig.json"), rigJson);

    /// <summary>The smoke suite's image: these COM1 lines, then the debug-exit status (null: it halts until killed).</summary>
    public void WriteProbe(IEnumerable<string> com1Lines, byte? exitStatus) =>
        File.Move(ProbeLikeGuest.WriteImage(Probes, com1Lines, exitStatus), ProbeImage, overwrite: true);

    /// <summary>Every run of <paramref name="release"/> in the store and its results, read back as a later `rig report` would.</summary>
    public IReadOnlyList<(StoredRun Run, IReadOnlyList<CaseResult> Results)> Stored(string release, string? store = null)
    {
        using var results = ResultStore.Open(store ?? Store);
        return [.. results.Runs(release).Select(r => (r, results.Results(r.Info.RunId)))];
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
