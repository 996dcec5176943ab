using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

internal sealed class CountingDoorbell : IVcpuDoorbell
{
    private int _rings;

    public int Rings => Volatile.Read(ref _rings);

    /// <summary>The last deadline asked for with <see cref="RingAt"/> (long.MaxValue: none).</summary>
    public long RingAtNs { get; private set; } = long.MaxValue;

    public void Ring() => Interlocked.Increment(ref _rings);

    public bool Sleeping { get; set; }

    public void RingAt(long deadlineNs) => RingAtNs = deadlineNs;
}
