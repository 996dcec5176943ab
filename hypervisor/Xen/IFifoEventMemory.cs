namespace Rig.Hypervisor.Xen;

/// <summary>
/// Where the FIFO ABI's shared words live: the event array pages and each vCPU's control block, both in guest memory
/// the guest writes concurrently. References, because every rule is an atomic operation on the very word the guest
/// sees; tests back them with arrays.
/// </summary>
public interface IFifoEventMemory
{
    /// <summary>Whether the event array (so far expanded) holds a word for <paramref name="port"/>.</summary>
    bool HasEventWord(uint port);

    ref uint EventWord(uint port);

    /// <summary>Whether <paramref name="vcpu"/> registered its control block with EVTCHNOP_init_control.</summary>
    bool HasControlBlock(int vcpu);

    ref uint Ready(int vcpu);

    ref uint Head(int vcpu, int priority);
}
