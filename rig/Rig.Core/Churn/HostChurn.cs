using System.Collections.Concurrent;
using System.Diagnostics;
using Rig.Hosting;
using Rig.Qmp;
using Rig.Targets;

namespace Rig.Churn;

/// <summary>
/// The host side of seed 002, one piece every target runs the same way: survivor VMs run throughout while their and the
/// transient VMs' vCPU threads are re-pinned across host CPUs (sched_setaffinity on the thread ids of QMP
/// query-cpus-fast), transient VMs are created and destroyed (QMP quit) beside them, and host threads spin.
/// With <see cref="ChurnProfile.Collide"/> each destroy is forced into the seed's window rather than left to the
/// scheduler: a survivor's vCPU x and the doomed VM's vCPU y (same index) are pinned to one host CPU, the survivor is
/// stopped (x is descheduled there), x is migrated to another host CPU, the doomed VM is destroyed (y dies on x's old
/// host CPU), and the survivor resumes (x runs on its new host CPU): "pCPU1: vCPUx -&gt; migrate to pCPU2 -&gt; ... -&gt;
/// vcpu_destroy()" of the seed's state diagram.
/// </summary>
public sealed class HostChurn : IAsyncDisposable
{
    private static readonly TimeSpan QuitBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ThreadIdBound = TimeSpan.FromSeconds(10);

    /// <summary>Long enough for a pinned vCPU thread to have been moved and run on its new host CPU.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(20);

    /// <summary>How often the churn looks whether it may end.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly ChurnProfile _profile;
    private readonly Func<int, CancellationToken, Task<IVm>> _boot;
    private readonly List<ChurnVm> _survivors;
    private readonly List<IVm> _companions;
    private readonly int[] _hostCpus = [.. ThreadAffinity.AllowedCpus()];
    private readonly ConcurrentDictionary<IVm, VcpuThread[]> _transients = new();
    private readonly HashSet<int> _held = [];
    private readonly Dictionary<int, int> _pinnedTo = [];
    private readonly Lock _pinLock = new();
    private readonly SemaphoreSlim _collisionGate = new(1, 1);
    private readonly ConcurrentQueue<string> _incidents = new();
    private long _migrations;
    private long _cycles;
    private long _collisions;
    private int _nextTransient;
    private int _nextCollision;

    private HostChurn(ChurnProfile profile, Func<int, CancellationToken, Task<IVm>> boot, List<ChurnVm> survivors, List<IVm> companions)
    {
        _profile = profile;
        _boot = boot;
        _survivors = survivors;
        _companions = companions;
    }

    /// <summary>A VM of the churn: its number (the probe's <c>vm=</c>), the VM, and its vCPU threads.</summary>
    public sealed record ChurnVm(int Number, IVm Vm, IReadOnlyList<VcpuThread> Threads);

    /// <summary>Every survivor: <c>first</c> (number 1, the case's own VM) and the companions numbered 2.. that the churn booted.</summary>
    public IReadOnlyList<ChurnVm> Survivors => _survivors;

    /// <summary>
    /// Boots the survivors beside <paramref name="first"/> (the case's VM), up to the profile's VM count, with
    /// <paramref name="boot"/>, which also boots the transients (numbered from 1001).
    /// </summary>
    public static async Task<HostChurn> StartAsync(ChurnProfile profile, IVm first, Func<int, CancellationToken, Task<IVm>> boot, CancellationToken cancellationToken)
    {
        var survivors = new List<ChurnVm> { new(1, first, await ThreadsOf(first, cancellationToken).ConfigureAwait(false)) };
        var companions = new List<IVm>();
        try
        {
            for (int n = 2; n <= profile.Vms; n++)
            {
                var vm = await boot(n, cancellationToken).ConfigureAwait(false);
                companions.Add(vm);
                survivors.Add(new ChurnVm(n, vm, await ThreadsOf(vm, cancellationToken).ConfigureAwait(false)));
            }
        }
        catch
        {
            foreach (var vm in companions)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new HostChurn(profile, boot, survivors, companions);
    }

    /// <summary>Whether this churn forces collisions: the profile asks for them and there is another host CPU to migrate to.</summary>
    public bool Collides => _profile.Collide && _hostCpus.Length > 1;

    /// <summary>
    /// Churns for at least <paramref name="minimum"/> and until it has destroyed a VM and, when it <see cref="Collides"/>,
    /// forced its first collision: the seed's window is waited for as an event, not for a time (a loaded host may boot
    /// the first transient late). <paramref name="bound"/> is the watchdog. Every transient it created is destroyed
    /// before this returns.
    /// </summary>
    public async Task<ChurnReport> RunAsync(TimeSpan minimum, TimeSpan bound, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(bound);
        var clock = Stopwatch.StartNew();
        using (new HostLoad(_profile.LoadThreads))
        {
            var repin = new Thread(() => Repin(stop.Token)) { IsBackground = true, Name = "churn-repin" };
            repin.Start();
            var transients = Task.WhenAll(Enumerable.Range(0, _profile.Transients).Select(_ => Task.Run(() => TransientLoop(stop.Token), CancellationToken.None)));
            while (!stop.IsCancellationRequested && (clock.Elapsed < minimum || Interlocked.Read(ref _cycles) == 0 ||
                                                     (Collides && Interlocked.Read(ref _collisions) == 0)))
            {
                await Task.WhenAny(transients, Task.Delay(PollInterval, stop.Token)).ConfigureAwait(false);
            }

            await stop.CancelAsync().ConfigureAwait(false);
            await transients.ConfigureAwait(false);
            repin.Join();
        }

        return new ChurnReport(clock.Elapsed, Interlocked.Read(ref _migrations), Interlocked.Read(ref _cycles),
            Interlocked.Read(ref _collisions), _survivors.Sum(s => s.Threads.Count), [.. _incidents]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var vm in _companions)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
        }

        _collisionGate.Dispose();
    }

    private static async Task<VcpuThread[]> ThreadsOf(IVm vm, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var threads = await vm.QueryVcpuThreadsAsync(cancellationToken).ConfigureAwait(false);
            if (threads.Count > 0 && threads.All(t => t.ThreadId > 0))
            {
                return [.. threads.OrderBy(t => t.Index)];
            }

            if (deadline.Elapsed > ThreadIdBound)
            {
                throw new InvalidOperationException($"{vm.Target}: query-cpus-fast gave no thread id for every vCPU within {ThreadIdBound.TotalSeconds} s");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Round robin over every live vCPU thread not held by a collision: each goes to the next host CPU after the last one
    /// it was pinned to. On a loaded host the thread wakes late, so each wake catches up with the schedule (at most one
    /// round of the threads), keeping the rate near one re-pin per <see cref="ChurnProfile.RepinInterval"/>.
    /// </summary>
    private void Repin(CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        long done = 0;
        int turn = 0;
        while (!stop.IsCancellationRequested)
        {
            var threads = _survivors.SelectMany(s => s.Threads).Concat(_transients.Values.SelectMany(t => t)).ToList();
            long due = Math.Min((long)(clock.Elapsed / _profile.RepinInterval) - done, threads.Count);
            for (long i = 0; i < due; i++, done++)
            {
                var thread = threads[turn++ % threads.Count];
                lock (_pinLock)
                {
                    if (!_held.Contains(thread.ThreadId) && PinLocked(thread.ThreadId, NextCpu(thread.ThreadId)))
                    {
                        Interlocked.Increment(ref _migrations);
                    }
                }
            }

            done = Math.Max(done, (long)(clock.Elapsed / _profile.RepinInterval) - threads.Count);
            Thread.Sleep(_profile.RepinInterval);
        }
    }

    private int NextCpu(int threadId) =>
        _hostCpus[((_pinnedTo.TryGetValue(threadId, out int last) ? Array.IndexOf(_hostCpus, last) : -1) + 1) % _hostCpus.Length];

    private bool PinLocked(int threadId, int cpu)
    {
        if (!ThreadAffinity.Pin(threadId, cpu))
        {
            return false;
        }

        _pinnedTo[threadId] = cpu;
        return true;
    }

    private async Task TransientLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            int number = 1000 + Interlocked.Increment(ref _nextTransient);
            IVm vm;
            VcpuThread[] threads;
            try
            {
                vm = await _boot(number, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TargetStartException or TargetUnsupportedException or InvalidOperationException)
            {
                _incidents.Enqueue($"transient VM {number} did not boot: {e.Message}");
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            await using (vm.ConfigureAwait(false))
            {
                try
                {
                    threads = await ThreadsOf(vm, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is InvalidOperationException or QmpConnectionException or QmpCommandException)
                {
                    _incidents.Enqueue($"transient VM {number}: no vCPU thread ids: {e.Message}");
                    continue;
                }

                _transients[vm] = threads;

                // A transient that came up after the end of the churn is destroyed at once: the survivors' windows are closing.
                await Task.Delay(_profile.TransientLifetime, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                // Past the end of the churn a survivor may be finishing: the last destroys collide with nothing.
                if (Collides && !stop.IsCancellationRequested)
                {
                    await CollideAsync(number, vm, threads).ConfigureAwait(false);
                }
                else
                {
                    await DestroyAsync(number, vm).ConfigureAwait(false);
                }

                _transients.TryRemove(vm, out _);
                Interlocked.Increment(ref _cycles);
            }
        }
    }

    /// <summary>Destroys <paramref name="vm"/> while its vCPUs may still be migrating; a VMM that does not go is an incident.</summary>
    private async Task DestroyAsync(int number, IVm vm)
    {
        if (!await vm.QuitAsync(QuitBound, CancellationToken.None).ConfigureAwait(false))
        {
            _incidents.Enqueue($"VM {number} ({vm.Target}) had not exited {QuitBound.TotalSeconds} s after QMP quit: killed");
        }
    }

    /// <summary>The seed's window, forced (see the class summary). One collision at a time: it stops a survivor.</summary>
    private async Task CollideAsync(int number, IVm doomed, VcpuThread[] doomedThreads)
    {
        await _collisionGate.WaitAsync().ConfigureAwait(false);
        int k = _nextCollision++;
        var survivor = _survivors[k % _survivors.Count];
        int index = k % Math.Min(survivor.Threads.Count, doomedThreads.Length);
        var (x, y) = (survivor.Threads[index], doomedThreads[index]);
        int oldCpu = _hostCpus[k % _hostCpus.Length], newCpu = _hostCpus[(k + 1) % _hostCpus.Length];
        var involved = survivor.Threads.Concat(doomedThreads).ToList();
        try
        {
            lock (_pinLock)
            {
                foreach (var t in involved)
                {
                    _held.Add(t.ThreadId);
                    PinLocked(t.ThreadId, t == x || t == y ? oldCpu : newCpu);
                }
            }

            await Task.Delay(Settle).ConfigureAwait(false);
            await survivor.Vm.StopAsync().ConfigureAwait(false);
            lock (_pinLock)
            {
                if (PinLocked(x.ThreadId, newCpu))
                {
                    Interlocked.Increment(ref _migrations);
                }
            }

            await DestroyAsync(number, doomed).ConfigureAwait(false);
            await survivor.Vm.ContAsync().ConfigureAwait(false);
            Interlocked.Increment(ref _collisions);
        }
        catch (Exception e) when (e is QmpConnectionException or QmpCommandException)
        {
            _incidents.Enqueue($"survivor VM {survivor.Number} failed its part of a collision with VM {number}: {e.Message}");
        }
        finally
        {
            lock (_pinLock)
            {
                foreach (var t in involved)
                {
                    _held.Remove(t.ThreadId);
                }
            }

            _collisionGate.Release();
        }
    }
}
