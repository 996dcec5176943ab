using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

internal sealed class CountingDoorbell : IVcpuDoorbell
{
    private int _rings;

    public int Rings => Volatile.Read(ref _rings);

    public void Ring() => Interlocked.Increment(ref _rings);
}
