using System.Threading.Channels;
using Rig.Com2;
using Rig.Protocol;
using Rig.Qmp;

namespace Rig.Targets;

/// <summary>
/// One booted VM: its control plane, what the probe prints on COM1, the COM2 request channel and its
/// end. Disposing kills the VMM; nothing outlives the case that booted it.
/// </summary>
public interface IVm : IControlPlane, IAsyncDisposable
{
    /// <summary>Parsed <c>RIG ...</c> records from COM1, in order. Completes when COM1 closes.</summary>
    ChannelReader<Record> Records { get; }

    /// <summary>Every COM1 line so far, records and free-form log alike.</summary>
    IReadOnlyList<string> Com1Lines { get; }

    /// <summary>QMP events (RESET, STOP, SHUTDOWN, ...), in order.</summary>
    ChannelReader<QmpEvent> Events { get; }

    /// <summary>What the VMM wrote on stderr (bounded), its records aside; first place to look when a boot goes wrong.</summary>
    string VmmDiagnostics { get; }

    /// <summary>
    /// The VMM's own records (<c>RIG ...</c> lines on its stderr, e.g. rig-hv's host-late), in order; complete once
    /// <see cref="WaitForExitAsync"/> returned. Empty for a VMM that writes none.
    /// </summary>
    IReadOnlyList<Record> HostRecords { get; }

    /// <summary>COM2 in both directions ("&lt; " guest, "&gt; " host), for the evidence of a case that played a scenario.</summary>
    IReadOnlyList<string> Com2Transcript { get; }

    /// <summary>Starts answering the probe's COM2 requests with <paramref name="handler"/>. Call once.</summary>
    void ServeHostActions(IHostActionHandler handler);

    /// <summary>The VMM process's id, for measuring what it holds (threads, fds, memory) from /proc.</summary>
    int ProcessId { get; }

    /// <summary>QMP query-cpus-fast: every vCPU with its host thread id, so the host can pin or migrate it.</summary>
    Task<IReadOnlyList<VcpuThread>> QueryVcpuThreadsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Destroys the VM the way a toolstack does, through its control plane (QMP quit), and waits for the VMM to exit;
    /// false if it had not exited within <paramref name="bound"/> (it is then killed).
    /// </summary>
    Task<bool> QuitAsync(TimeSpan bound, CancellationToken cancellationToken = default);

    /// <summary>Waits for the VMM to exit; past <paramref name="bound"/> kills it and says so. All COM1 output is read before this returns.</summary>
    Task<VmExit> WaitForExitAsync(TimeSpan bound, CancellationToken cancellationToken = default);

    /// <summary>
    /// Spins every CPU of the host this VM's vCPUs are scheduled on, competing with them, until the result is disposed.
    /// A VMM on this machine: a thread per CPU here (<see cref="Hosting.HostLoad"/>). A Xen domain: its dom0's CPUs, the
    /// "heavy Dom0 load" of seed 000, which for xen-tcg are inside the emulated machine, not the host emulating it.
    /// </summary>
    Task<IAsyncDisposable> LoadHostAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IAsyncDisposable>(new Hosting.HostLoad());
}
