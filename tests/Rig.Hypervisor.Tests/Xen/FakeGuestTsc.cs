using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>Guest TSCs the test sets by hand, one per vCPU; moving one backward is what a snapshot revert does.</summary>
internal sealed class FakeGuestTsc(int vcpus, ulong tscHz) : IGuestTscSource
{
    private readonly ulong[] _tsc = new ulong[vcpus];

    public ulong TscHz { get; } = tscHz;

    public ulong GuestTsc(int vcpu) => Volatile.Read(ref _tsc[vcpu]);

    public void Set(int vcpu, ulong tsc) => Volatile.Write(ref _tsc[vcpu], tsc);

    public void SetAll(ulong tsc)
    {
        for (int vcpu = 0; vcpu < _tsc.Length; vcpu++)
        {
            Set(vcpu, tsc);
        }
    }

    public void AdvanceAll(ulong ticks)
    {
        for (int vcpu = 0; vcpu < _tsc.Length; vcpu++)
        {
            Set(vcpu, _tsc[vcpu] + ticks);
        }
    }
}
