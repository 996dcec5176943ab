using System.Runtime.InteropServices;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The FIFO ABI's shared words in guest RAM: the control block each vCPU placed with EVTCHNOP_init_control (a frame
/// and an offset) and the event array pages EVTCHNOP_expand_array added, in order (page n holds ports 1024n..1024n+1023).
/// </summary>
public sealed class GuestFifoMemory(IXenGuestMemory memory, int vcpuCount) : IFifoEventMemory
{
    /// <summary>EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES: enough pages for every port LINK can name.</summary>
    public const int MaxArrayPages = (int)(FifoEventWord.MaxPorts / FifoEventWord.WordsPerPage);

    private const ulong PageSize = 4096;

    private const ulong None = ulong.MaxValue;

    private readonly ulong[] _controlBlocks = Enumerable.Repeat(None, vcpuCount).ToArray();
    private readonly ulong[] _arrayPages = new ulong[MaxArrayPages];
    private int _arrayPageCount;

    public int ArrayPages => Volatile.Read(ref _arrayPageCount);

    public bool HasControlBlock(int vcpu) => (uint)vcpu < (uint)_controlBlocks.Length && Volatile.Read(ref _controlBlocks[vcpu]) != None;

    /// <summary>False when the frame is not RAM or the vCPU already has one (Xen: -EINVAL either way).</summary>
    public bool SetControlBlock(int vcpu, ulong gpa)
    {
        if (HasControlBlock(vcpu) || memory.Physical(gpa, FifoControlBlock.Size).Length != FifoControlBlock.Size)
        {
            return false;
        }

        memory.Physical(gpa, FifoControlBlock.Size).Clear();
        Volatile.Write(ref _controlBlocks[vcpu], gpa);
        return true;
    }

    /// <summary>False when the frame is not RAM or the array is at its largest.</summary>
    public bool AddArrayPage(ulong gpa)
    {
        int count = ArrayPages;
        if (count == MaxArrayPages || gpa % PageSize != 0 || memory.Physical(gpa, (int)PageSize).Length != (int)PageSize)
        {
            return false;
        }

        memory.Physical(gpa, (int)PageSize).Clear();
        _arrayPages[count] = gpa;
        Volatile.Write(ref _arrayPageCount, count + 1);
        return true;
    }

    /// <summary>EVTCHNOP_reset: back to no control blocks and no event array.</summary>
    public void Clear()
    {
        Array.Fill(_controlBlocks, None);
        Volatile.Write(ref _arrayPageCount, 0);
    }

    public bool HasEventWord(uint port) => port / FifoEventWord.WordsPerPage < (uint)ArrayPages;

    public ref uint EventWord(uint port) =>
        ref Word(_arrayPages[port / FifoEventWord.WordsPerPage] + port % FifoEventWord.WordsPerPage * sizeof(uint));

    public ref uint Ready(int vcpu) => ref Word(_controlBlocks[vcpu] + FifoControlBlock.ReadyOffset);

    public ref uint Head(int vcpu, int priority) => ref Word(_controlBlocks[vcpu] + (ulong)FifoControlBlock.HeadAt(priority));

    private ref uint Word(ulong gpa) => ref MemoryMarshal.Cast<byte, uint>(memory.Physical(gpa, sizeof(uint)))[0];
}
