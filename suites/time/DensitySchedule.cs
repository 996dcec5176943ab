using System.Diagnostics;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Suites.Time;

/// <summary>
/// The host's part of time.density for one VM, from the window's start: at random gaps (the case's seeded
/// <see cref="Random"/>) it pauses the VM for 1–50 ms or, where the target keeps in-memory snapshots, saves one, lets the
/// guest run 20–300 ms and reverts to it. The first action is a revert, with a clock calibration forced inside its window
/// where the target offers that (rig-hv), so seed 000's race is met on every VM of every run, not by luck; later reverts
/// force it on a coin toss, so plain reverts are covered too. Nothing is started so late that it could reach into the
/// guest's printing after its window.
/// </summary>
internal sealed class DensitySchedule(IVm vm, Random random, DensityPace pace)
{
    private const string Snapshot = "density";

    private readonly List<Interruption> _done = [];

    /// <summary>Every pause and revert done, in order.</summary>
    public IReadOnlyList<Interruption> Done => _done;

    /// <summary>Why this target was not reverted (it keeps no in-memory snapshots); null if it was.</summary>
    public string? NoReverts { get; private set; }

    /// <summary>Why the schedule stopped early (the VM stopped answering its control plane); null if it ran its window.</summary>
    public string? Incident { get; private set; }

    /// <summary>The longest the host held the VM; zero if it never did.</summary>
    public TimeSpan LongestHold => _done.Count == 0 ? TimeSpan.Zero : _done.Max(i => i.Host);

    /// <param name="sinceOpen">Started when the window opened (every VM was answered at the gate).</param>
    /// <param name="opened">Completes when the guest said its window is open (`RIG window`); false if it never did.</param>
    public async Task RunAsync(Stopwatch sinceOpen, Task<bool> opened, CancellationToken cancellationToken)
    {
        bool revert = true;
        try
        {
            if (!await opened.ConfigureAwait(false))
            {
                return;
            }

            while (sinceOpen.Elapsed < pace.Window - pace.ActionGuard)
            {
                if (revert && NoReverts is null && sinceOpen.Elapsed < pace.Window - pace.SaveGuard)
                {
                    await RevertAsync(sinceOpen, calibrate: !_done.Any(i => i.Kind == Interruption.Revert) || random.Next(2) == 0, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await PauseAsync(TimeSpan.FromMilliseconds(random.Next(1, 51)), cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1001)), cancellationToken).ConfigureAwait(false);
                revert = random.Next(5) < 2;
            }
        }
        // A TimeoutException is xl through dom0's agent that did not answer (xen-tcg-hvm: xenstored and the agent's shells
        // segfaulted under the case's host load, and the case errored with the schedule's exception instead of judging).
        catch (Exception e) when (e is QmpConnectionException or QmpCommandException or IOException or TimeoutException)
        {
            Incident = $"the VM stopped answering its control plane after {_done.Count} pauses and reverts: {e.Message}";
        }
    }

    private async Task PauseAsync(TimeSpan length, CancellationToken cancellationToken)
    {
        var held = Stopwatch.StartNew();
        await vm.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(length, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await vm.ContAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _done.Add(new Interruption(Interruption.Pause, held.Elapsed, Calibrated: false));
    }

    private async Task RevertAsync(Stopwatch sinceOpen, bool calibrate, CancellationToken cancellationToken)
    {
        var held = Stopwatch.StartNew();
        try
        {
            await vm.SaveSnapshotAsync(Snapshot, cancellationToken).ConfigureAwait(false);
        }
        catch (TargetUnsupportedException e)
        {
            NoReverts = e.Reason;
            return;
        }

        var saved = held.Elapsed;
        await Task.Delay(TimeSpan.FromMilliseconds(random.Next(20, 301)), cancellationToken).ConfigureAwait(false);
        if (sinceOpen.Elapsed >= pace.Window - pace.ActionGuard)
        {
            // Too late to go back: the guest may be about to print. The save alone held the VM.
            _done.Add(new Interruption(Interruption.Save, saved, Calibrated: false));
            return;
        }

        var reference = calibrate ? vm.Reference : null;
        await (reference is not null
            ? reference.RevertSnapshotCalibratingAsync(Snapshot, cancellationToken)
            : vm.RevertSnapshotAsync(Snapshot, cancellationToken)).ConfigureAwait(false);
        _done.Add(new Interruption(Interruption.Revert, held.Elapsed, Calibrated: reference is not null));
    }
}
