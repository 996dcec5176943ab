namespace Rig.Targets.Xen;

/// <summary>
/// A dom0 the rig drives through <see cref="Dom0Agent"/>: the xen-tcg machine's (agent on its second UART) or a lab
/// host's own (agent beside the local xl). Guests are created from files the rig puts into it.
/// </summary>
public interface IDom0
{
    Dom0Agent Agent { get; }

    /// <summary>The process that holds the guests' host side (QEMU for xen-tcg, the agent on a lab dom0).</summary>
    int ProcessId { get; }

    /// <summary>What the machine said while booting or failing (Xen's and dom0's console for xen-tcg).</summary>
    string Diagnostics { get; }

    /// <summary>
    /// dom0's own faults so far (<see cref="Dom0Faults"/>): a xen-tcg dom0 that has any is replaced before the next case.
    /// A lab's dom0 reports none: its logs are its operator's.
    /// </summary>
    IReadOnlyList<string> Faults { get; }

    /// <summary>Puts a host file into dom0 once (unchanged files are not sent again) and returns its path there.</summary>
    Task<string> StageFileAsync(string hostPath, CancellationToken cancellationToken);

    /// <summary>Spins dom0's CPUs until the result is disposed (<see cref="IVm.LoadHostAsync"/>).</summary>
    Task<IAsyncDisposable> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="content"/> to dom0's <paramref name="dom0Path"/>.</summary>
    Task WriteFileAsync(string content, string dom0Path, CancellationToken cancellationToken);
}
