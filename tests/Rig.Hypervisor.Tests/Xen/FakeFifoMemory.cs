using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The FIFO ABI's shared words in arrays: an event array of <paramref name="ports"/> words and one control block per vCPU.</summary>
internal sealed class FakeFifoMemory(int ports, int vcpus) : IFifoEventMemory
{
    private readonly uint[] _words = new uint[ports];
    private readonly uint[] _ready = new uint[vcpus];
    private readonly uint[,] _heads = new uint[vcpus, FifoEventWord.Priorities];

    public bool HasEventWord(uint port) => port < _words.Length;

    public ref uint EventWord(uint port) => ref _words[port];

    public bool HasControlBlock(int vcpu) => vcpu < _ready.Length;

    public ref uint Ready(int vcpu) => ref _ready[vcpu];

    public ref uint Head(int vcpu, int priority) => ref _heads[vcpu, priority];
}
