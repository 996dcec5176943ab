using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>A clock that moves only when told, so timer tests check virtual time exactly; the TSC runs at 2 GHz.</summary>
internal sealed class FakeGuestClock : IGuestClock
{
    public const ulong Hz = 2_000_000_000;

    public long NowNs { get; set; } = 1_000_000_000;

    public ulong TscHz => Hz;

    public ulong GuestTsc(int vcpu) => (ulong)NowNs * 2;

    public void Advance(long ns) => NowNs += ns;
}
