using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Vm;

/// <summary>
/// A vCPU's registers across a park, kept lazily in its host CPU's frame (<see cref="HostCpuFrames"/>): parking leaves
/// them there, coming back on the same host CPU takes nothing (KVM still holds them), coming back on another host CPU
/// brings the frame along and writes it to KVM only when it differs. A VM-wide operation during the park (reset,
/// revert) changes KVM's registers, so the frame is then obsolete and dropped.
/// </summary>
internal sealed class ParkedRegisters(Lazy<HostCpuFrames> frames, ulong owner)
{
    private int _parkedOn = -1;
    private long _epoch;

    /// <summary>On the vCPU thread, as it parks; <paramref name="epoch"/> counts the VM-wide state changes so far.</summary>
    public void Leave(KvmVcpu kvm, long epoch)
    {
        _parkedOn = HostCpuFrames.CurrentHostCpu();
        _epoch = epoch;
        frames.Value.Park(_parkedOn, owner, kvm.GetRegs());
    }

    /// <summary>On the vCPU thread, back from the park (a no-op if it did not leave anything).</summary>
    public void Return(KvmVcpu kvm, long epoch)
    {
        if (_parkedOn < 0)
        {
            return;
        }

        int parkedOn = _parkedOn;
        _parkedOn = -1;
        if (frames.Value.Take(parkedOn, owner) is not { } frame || HostCpuFrames.CurrentHostCpu() == parkedOn || epoch != _epoch)
        {
            return;
        }

        var live = kvm.GetRegs();
        if (!Same(frame, live))
        {
            kvm.SetRegs(frame);
        }
    }

    /// <summary>On the vCPU thread as its VM is destroyed: its last registers go to the frame of the host CPU it dies on.</summary>
    public void Retire(KvmVcpu kvm, bool takeOwnership) =>
        frames.Value.Retire(HostCpuFrames.CurrentHostCpu(), owner, kvm.GetRegs(), takeOwnership);

    private static bool Same(in KvmRegs a, in KvmRegs b) =>
        a.Rax == b.Rax && a.Rbx == b.Rbx && a.Rcx == b.Rcx && a.Rdx == b.Rdx && a.Rsi == b.Rsi && a.Rdi == b.Rdi &&
        a.Rsp == b.Rsp && a.Rbp == b.Rbp && a.R8 == b.R8 && a.R9 == b.R9 && a.R10 == b.R10 && a.R11 == b.R11 &&
        a.R12 == b.R12 && a.R13 == b.R13 && a.R14 == b.R14 && a.R15 == b.R15 && a.Rip == b.Rip && a.Rflags == b.Rflags;
}
