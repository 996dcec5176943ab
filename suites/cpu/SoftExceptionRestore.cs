using System.Diagnostics;
using NUnit.Framework;
using Rig.Cases;
using Rig.Churn;
using Rig.Qmp;

namespace Rig.Suites.Cpu;

/// <summary>
/// cpu.soft-exception-restore: the #BP of an INT3 at CPL3 survives the VMM's save and restore. The guest loops INT3 (each
/// must run its handler, SDM Vol. 3A 6.5) while the host saves and reverts a snapshot <see cref="Cycles"/> times at random
/// moments. Hand-found with rig-hv on kvm_pvm: the #BP is queued with RIP already past the INT3 and hidden from
/// KVM_GET_VCPU_EVENTS, so a snapshot taken there lost it (docs/notes/kvm-pvm-hypervisor.md section 6); rig-hv now lets
/// KVM deliver it before parking, and the seeded defect soft-exception-lost-on-restore takes that back. The guest loops
/// until the host acknowledges its `churn-end`, which the host holds until its last cycle: with a fixed count on each
/// side, the guest's 100 000 INT3s ended before the host's 80 cycles under load (`only 76 of 80 ... ran`).
/// </summary>
[TestFixture]
public sealed class SoftExceptionRestore
{
    private const int Cycles = 80;

    /// <summary>
    /// The churn ends after <see cref="Cycles"/> or this long after the case's start, whichever comes first: the guest
    /// exits when the churn ends, within CpuCheckRun's 60 s bound. At load 40-50 the 80 cycles took 37-61 s.
    /// </summary>
    private static readonly TimeSpan ChurnBudget = TimeSpan.FromSeconds(40);

    /// <summary>The guest's own bound, for a host that never answers `churn-end`; beyond what it can run before the case's exit bound.</summary>
    private const int MostIterations = 100_000_000;

    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        var churnOver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await CpuCheckRun.RunAsync(target, "soft-exception-restore", $"iterations={MostIterations}", c => SaveAndRevertAsync(c, churnOver),
            hostActions: new ChurnEndActions(churnOver.Task));
    }

    private static async Task<string?> SaveAndRevertAsync(RigCase c, TaskCompletionSource churnOver)
    {
        try
        {
            return await ChurnAsync(c);
        }
        finally
        {
            churnOver.TrySetResult();
        }
    }

    private static async Task<string?> ChurnAsync(RigCase c)
    {
        var sinceStart = Stopwatch.StartNew();
        if (c.Vm.Reference is null)
        {
            return "the target has no in-memory snapshot save and revert (rig-hv's QMP x-rig-snapshot-*), so a soft exception across one cannot be tried";
        }

        if (await c.WaitForRecordAsync(r => r.Kind == "cpu-enter", TimeSpan.FromSeconds(30)) is null)
        {
            return null; // the oracle reports that the loop never started
        }

        int done = 0;
        try
        {
            // Once a loss is on COM1 the reverts stop, so none can cut its line short.
            for (; done < Cycles && sinceStart.Elapsed < ChurnBudget && !c.Records.Any(r => r.Damaged || (r.Kind == "cpu" && r["op"] == "int3")); done++)
            {
                await c.Vm.SaveSnapshotAsync("cpu");
                await Task.Delay(c.Random.Next(1, 8));
                await c.Vm.RevertSnapshotAsync("cpu");
            }

            c.Evidence($"host: {done} snapshot save/revert cycles at random moments in {sinceStart.Elapsed.TotalSeconds:0.0} s while the guest looped INT3 at CPL3");
        }
        catch (Exception e) when (e is QmpCommandException or QmpConnectionException)
        {
            c.Error($"only {done} of {Cycles} save/revert cycles ran before the VMM refused one ({e.Message})");
        }

        return null;
    }
}
