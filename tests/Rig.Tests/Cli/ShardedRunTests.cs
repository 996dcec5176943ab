using Rig.Config;
using Rig.Store;
using Rig.Tests.Config;
using Rig.Tests.Store;

namespace Rig.Tests.Cli;

/// <summary>
/// A CI matrix's shards meet in one PostgreSQL store (issue 19): `rig run --shard 1/2` and `--shard 2/2` into a throwaway
/// cluster give the release the same verdicts, rows and report as one unsharded run, each shard running a disjoint part.
/// The smoke suite on rig-hv and QEMU/TCG keeps it cheap: two rows, one per shard.
/// </summary>
public sealed class ShardedRunTests
{
    [RequiresPostgresAndSmokeSuiteFact]
    public async Task Two_shards_into_postgresql_make_the_same_release_as_one_unsharded_run()
    {
        var store = TemporaryPostgres.Shared.Value.NewDatabase();
        using var checkout = SmokeCheckout();

        await Rig(checkout, "run", "--suite", "smoke", "--release", "whole", "--store", store, "--seed", "7", "--jobs", "2");
        await Rig(checkout, "run", "--suite", "smoke", "--release", "sharded", "--store", store, "--seed", "7", "--shard", "1/2");
        await Rig(checkout, "run", "--suite", "smoke", "--release", "sharded", "--store", store, "--seed", "7", "--shard", "2/2");
        await Rig(checkout, "report", "--release", "sharded", "--store", store);
        await Rig(checkout, "compare", "sharded", "--baseline", "whole", "--store", store);

        using var results = ResultStore.Open(store);
        var whole = results.LoadRelease("whole");
        var sharded = results.LoadRelease("sharded");
        Assert.Equal(2, sharded.Runs.Count);
        Assert.Equal(whole.Verdicts.OrderBy(v => v.Key.ToString()), sharded.Verdicts.OrderBy(v => v.Key.ToString()));
        Assert.Equal(["qemu-tcg", "reference"], whole.Results.Select(r => r.Target).Distinct().Order());

        var rowsPerShard = sharded.Runs.Select(r => results.Results(r.RunId).Select(x => x.Target).ToHashSet()).ToList();
        Assert.All(rowsPerShard, rows => Assert.Single(rows));
        Assert.Empty(rowsPerShard[0].Intersect(rowsPerShard[1]));
        Assert.All(sharded.Runs, r => Assert.Equal(new Rig.Results.RunSettings("default", 1, 7), r.Info.Settings));
        Assert.True(File.Exists(Path.Combine(checkout.Root, "results", "sharded", "index.html")));
    }

    private static async Task Rig(TemporaryCheckout checkout, params string[] args)
    {
        var (code, output) = await RigCli.RunAsync(checkout.Root, args);
        Assert.True(code == 0, $"rig {string.Join(' ', args.Where(a => !a.Contains('=')))} exited {code}: {output}");
    }

    /// <summary>A checkout of the built suites and probes with the two targets the test runs on.</summary>
    private static TemporaryCheckout SmokeCheckout()
    {
        var repo = RepoRoot.Find();
        var probes = Path.Combine(repo, "artifacts", "probes");
        var rigHv = Path.Combine(repo, "artifacts", "publish", "Rig.Hypervisor", "release_linux-x64", "rig-hv");
        return new TemporaryCheckout($$"""
            {
              "suites": "{{RequiresQemuAndSmokeSuiteFactAttribute.BinRoot}}", "probes": "{{probes}}",
              "targets": {
                "reference": { "kind": "reference", "binary": "{{rigHv}}", "memoryMb": 64 },
                "qemu-tcg": { "kind": "qemu", "binary": "qemu-system-x86_64", "accel": "tcg", "machine": "microvm", "cpu": "max",
                              "memoryMb": 64, "machineOptions": "rtc=on,acpi=on", "extraArgs": ["-device", "i8042"] }
              }
            }
            """);
    }
}
