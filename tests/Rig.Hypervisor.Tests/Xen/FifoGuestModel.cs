using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>
/// A guest of the FIFO ABI on one vCPU, doing only the writes the ABI allows, the way Linux's
/// drivers/xen/events/events_fifo.c does: it takes READY with an exchange and keeps its own copy and its own head per
/// queue; consuming clears LINKED (and LINK) with a compare-exchange and follows LINK, the last event of a queue clears
/// its bit in the copy; an event is handled when PENDING and not MASKED, clearing PENDING first. Masking sets MASKED;
/// unmasking clears it directly only when the event is not pending and the word is not BUSY (clear_masked_cond), and
/// otherwise asks the hypervisor (EVTCHNOP_unmask). Out of queue order it may clear PENDING (acking or polling a port).
/// </summary>
internal sealed class FifoGuestModel(FakeFifoMemory memory, FifoEventQueues queues)
{
    private readonly uint[] _heads = new uint[FifoEventWord.Priorities];
    private uint _ready;

    /// <summary>Handled events per port, in order.</summary>
    public List<uint> Handled { get; } = [];

    /// <summary>Consumes one event from the highest-priority ready queue; false when no queue is ready.</summary>
    public bool ConsumeOne()
    {
        _ready |= Interlocked.Exchange(ref memory.Ready(0), 0);
        if (_ready == 0)
        {
            return false;
        }

        int priority = System.Numerics.BitOperations.TrailingZeroCount(_ready);
        uint port = _heads[priority];
        if (port == 0)
        {
            port = Volatile.Read(ref memory.Head(0, priority));
        }

        ref uint word = ref memory.EventWord(port);
        uint seen = Volatile.Read(ref word);
        uint found;
        while ((found = Interlocked.CompareExchange(ref word, seen & ~(FifoEventWord.Linked | FifoEventWord.LinkMask), seen)) != seen)
        {
            seen = found;
        }

        uint next = FifoEventWord.Link(seen);
        if (next == 0)
        {
            _ready &= ~(1u << priority);
        }

        _heads[priority] = next;
        if ((Volatile.Read(ref word) & (FifoEventWord.Pending | FifoEventWord.Masked)) == FifoEventWord.Pending &&
            (Interlocked.And(ref word, ~FifoEventWord.Pending) & FifoEventWord.Pending) != 0)
        {
            Handled.Add(port);
        }

        return true;
    }

    /// <summary>Clears PENDING out of the queue order, as Linux's clear_evtchn does when it acks or polls a port; an event taken so counts as handled.</summary>
    public void TakePending(uint port)
    {
        if ((Interlocked.And(ref memory.EventWord(port), ~FifoEventWord.Pending) & FifoEventWord.Pending) != 0)
        {
            Handled.Add(port);
        }
    }

    public void Mask(uint port) => Interlocked.Or(ref memory.EventWord(port), FifoEventWord.Masked);

    /// <summary>The direct clear of MASKED; false when the guest must use EVTCHNOP_unmask instead.</summary>
    public bool TryUnmaskDirectly(uint port)
    {
        ref uint word = ref memory.EventWord(port);
        uint seen = Volatile.Read(ref word);
        while (true)
        {
            if ((seen & FifoEventWord.Masked) == 0)
            {
                return true;
            }

            if ((seen & FifoEventWord.Pending) != 0)
            {
                return false;
            }

            uint expected = seen & ~FifoEventWord.Busy;
            uint found = Interlocked.CompareExchange(ref word, expected & ~FifoEventWord.Masked, expected);
            if (found == expected)
            {
                return true;
            }

            if ((found & FifoEventWord.Busy) != 0)
            {
                return false;
            }

            seen = found;
        }
    }

    public void Unmask(uint port)
    {
        if (!TryUnmaskDirectly(port))
        {
            queues.Unmask(port);
        }
    }

    /// <summary>Unmasks every port and consumes until no queue is ready (bounded: each consume takes one linked event).</summary>
    public void Drain(uint ports)
    {
        for (uint port = 1; port < ports; port++)
        {
            Unmask(port);
        }

        for (int i = 0; i < 4 * (int)ports; i++)
        {
            if (!ConsumeOne())
            {
                return;
            }
        }
    }
}
