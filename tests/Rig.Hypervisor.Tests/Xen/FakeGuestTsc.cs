using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>
/// Guest TSCs the test sets by hand over one reference counter: each vCPU's TSC is the reference plus its own offset.
/// Setting one vCPU's TSC moves only its offset (what a snapshot revert does); advancing moves the reference.
/// </summary>
internal sealed class FakeGuestTsc(int vcpus, ulong tscHz) : IGuestTscSource
{
    private readonly long[] _offsets = new long[vcpus];
    private ulong _reference;

    public ulong TscHz { get; } = tscHz;

    public bool TscsMatched => _offsets.All(o => o == _offsets[0]);

    public ulong ReferenceTsc() => Volatile.Read(ref _reference);

    public ulong GuestTscAt(int vcpu, ulong referenceTsc) => (ulong)((long)referenceTsc + Volatile.Read(ref _offsets[vcpu]));

    public ulong GuestTsc(int vcpu) => GuestTscAt(vcpu, ReferenceTsc());

    public void Set(int vcpu, ulong tsc) => Volatile.Write(ref _offsets[vcpu], (long)tsc - (long)ReferenceTsc());

    public void SetAll(ulong tsc)
    {
        Volatile.Write(ref _reference, tsc);
        Array.Clear(_offsets);
    }

    public void AdvanceAll(ulong ticks) => Volatile.Write(ref _reference, _reference + ticks);
}
