using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

internal sealed class FakeHostClock : IHostClock
{
    public long MonotonicNanoseconds { get; set; } = 5_000_000_000;

    public long RealtimeNanoseconds { get; set; } = 1_700_000_000_123_456_789;
}
