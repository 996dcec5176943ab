using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The hypervisor's FIFO rules one at a time, against the words the design says the guest then sees.</summary>
public sealed class FifoEventQueuesTests
{
    private const uint Ports = 16;

    private readonly FakeFifoMemory _memory = new((int)Ports, vcpus: 2);
    private readonly List<int> _upcalls = [];

    [Fact]
    public void AnEventOnAnEmptyQueueBecomesItsHeadSetsReadyAndUpcallsOnce()
    {
        var queues = Queues();
        queues.SetRoute(3, vcpu: 1, priority: 5);
        queues.Raise(3);
        Assert.Equal(FifoEventWord.Pending | FifoEventWord.Linked, _memory.EventWord(3));
        Assert.Equal(3u, _memory.Head(1, 5));
        Assert.Equal(1u << 5, _memory.Ready(1));
        Assert.Equal([1], _upcalls);
    }

    [Fact]
    public void RoutesOfPortsFarApartAreKeptAndAClearForgetsThemAll()
    {
        var queues = Queues();
        queues.SetRoute(3, vcpu: 1, priority: 5);
        queues.SetRoute(FifoEventWord.MaxPorts - 1, vcpu: 1, priority: 2);
        Assert.Equal((1, 5u), (queues.VcpuOf(3), queues.PriorityOf(3)));
        Assert.Equal((1, 2u), (queues.VcpuOf(FifoEventWord.MaxPorts - 1), queues.PriorityOf(FifoEventWord.MaxPorts - 1)));
        Assert.Equal((0, FifoEventWord.PriorityDefault), (queues.VcpuOf(5000), queues.PriorityOf(5000)));

        queues.Clear();

        Assert.Equal((0, FifoEventWord.PriorityDefault), (queues.VcpuOf(3), queues.PriorityOf(3)));
        Assert.Equal((0, FifoEventWord.PriorityDefault), (queues.VcpuOf(FifoEventWord.MaxPorts - 1), queues.PriorityOf(FifoEventWord.MaxPorts - 1)));
    }

    [Fact]
    public void ALaterEventIsLinkedBehindTheTailWithoutAnotherUpcall()
    {
        var queues = Queues();
        queues.SetRoute(3, 0, 7);
        queues.SetRoute(4, 0, 7);
        queues.Raise(3);
        queues.Raise(4);
        Assert.Equal(4u, FifoEventWord.Link(_memory.EventWord(3)));
        Assert.Equal(3u, _memory.Head(0, 7));
        Assert.Single(_upcalls);
        Assert.Equal(2, queues.Stats.Links);
    }

    [Fact]
    public void ARaiseOfAPendingEventCoalesces()
    {
        var queues = Queues();
        queues.SetRoute(3, 0, 7);
        queues.Raise(3);
        queues.Raise(3);
        Assert.Equal(1, queues.Stats.Coalesced);
        Assert.Equal(1, queues.Stats.Links);
        Assert.Equal(0u, FifoEventWord.Link(_memory.EventWord(3)));
    }

    [Fact]
    public void AMaskedEventStaysPendingAndIsLinkedByItsUnmask()
    {
        var queues = Queues();
        queues.SetRoute(3, 0, 7);
        _memory.EventWord(3) = FifoEventWord.Masked;
        queues.Raise(3);
        Assert.Equal(FifoEventWord.Pending | FifoEventWord.Masked, _memory.EventWord(3));
        Assert.Empty(_upcalls);
        queues.Unmask(3);
        Assert.Equal(FifoEventWord.Pending | FifoEventWord.Linked, _memory.EventWord(3));
        Assert.Equal(3u, _memory.Head(0, 7));
        Assert.Single(_upcalls);
    }

    [Fact]
    public void AnEventAfterTheGuestConsumedTheTailStartsANewQueue()
    {
        var queues = Queues();
        var guest = new FifoGuestModel(_memory, queues);
        queues.SetRoute(3, 0, 7);
        queues.SetRoute(4, 0, 7);
        queues.Raise(3);
        Assert.True(guest.ConsumeOne());
        queues.Raise(4);
        Assert.Equal(4u, _memory.Head(0, 7));
        Assert.Equal(2, _upcalls.Count);
        Assert.True(guest.ConsumeOne());
        Assert.Equal([3u, 4u], guest.Handled);
    }

    [Fact]
    public void TheHigherPriorityQueueIsConsumedFirst()
    {
        var queues = Queues();
        var guest = new FifoGuestModel(_memory, queues);
        queues.SetRoute(3, 0, FifoEventWord.PriorityDefault);
        queues.SetRoute(4, 0, FifoEventWord.PriorityHighest);
        queues.Raise(3);
        queues.Raise(4);
        guest.Drain(Ports);
        Assert.Equal([4u, 3u], guest.Handled);
    }

    [Fact]
    public void SetLinkGivesUpAfterThreeRetriesWhenTheGuestKeepsRewritingTheTail()
    {
        var queues = Queues();
        Tail(queues);
        queues.Raise(4, (_, _) => Toggle(ref _memory.EventWord(3), FifoEventWord.Masked));
        var stats = queues.Stats;
        Assert.Equal(FifoEventQueues.SetLinkRetries, stats.MostSetLinkRetries);
        Assert.Equal(1, stats.Lost);
        Assert.Equal(0u, _memory.EventWord(3) & FifoEventWord.Busy);
    }

    [Fact]
    public void WithUnboundedSetLinkTheSenderSpinsForAsLongAsTheGuestRewrites()
    {
        var queues = Queues(DefectCatalog.UnboundedSetLink);
        Tail(queues);
        int rewrites = 0;
        queues.Raise(4, (_, _) =>
        {
            if (rewrites++ < 50)
            {
                Toggle(ref _memory.EventWord(3), FifoEventWord.Masked);
            }
        });
        Assert.Equal(50, queues.Stats.MostSetLinkRetries);
        Assert.Equal(0, queues.Stats.Lost);
    }

    [Fact]
    public void BusyRefusesAConditionalUnmaskOfTheTailWhileItIsLinked()
    {
        var queues = Queues();
        var guest = new FifoGuestModel(_memory, queues);
        Tail(queues);
        Interlocked.And(ref _memory.EventWord(3), ~FifoEventWord.Pending);
        queues.Raise(4, (_, _) => Flip(guest, 3));
        Assert.Equal(0, queues.Stats.Lost);
        Assert.Equal(4u, FifoEventWord.Link(_memory.EventWord(3)));
    }

    [Fact]
    public void WithTailUnmaskAllowedTheSameConditionalUnmasksLoseTheEvent()
    {
        var queues = Queues(DefectCatalog.TailUnmaskAllowed);
        var guest = new FifoGuestModel(_memory, queues);
        Tail(queues);
        Interlocked.And(ref _memory.EventWord(3), ~FifoEventWord.Pending);
        queues.Raise(4, (_, _) => Flip(guest, 3));
        Assert.Equal(1, queues.Stats.Lost);
    }

    [Fact]
    public void UnmaskOfTheTailWaitsForTheQueueLockThatALinkHolds()
    {
        var queues = Queues();
        Tail(queues);
        Thread? unmask = null;
        queues.Raise(4, (_, _) =>
        {
            if (unmask is null)
            {
                unmask = new Thread(() => queues.Unmask(3));
                unmask.Start();
                Assert.False(unmask.Join(TimeSpan.FromMilliseconds(100)));
            }
        });
        Assert.True(unmask!.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, queues.Stats.SetLinkRetries);
    }

    [Fact]
    public void WithoutTheQueueLockUnmaskLandsInsideSetLink()
    {
        var queues = Queues(DefectCatalog.UnmaskWithoutQueueLock);
        Tail(queues);
        Interlocked.Or(ref _memory.EventWord(3), FifoEventWord.Masked);
        int window = 0;
        queues.Raise(4, (_, _) =>
        {
            // The guest masks (allowed) and unmasks by hypercall in turn, once per try of set_link.
            if (window++ % 2 == 0)
            {
                var unmask = new Thread(() => queues.Unmask(3));
                unmask.Start();
                Assert.True(unmask.Join(TimeSpan.FromSeconds(10)));
            }
            else
            {
                Interlocked.Or(ref _memory.EventWord(3), FifoEventWord.Masked);
            }
        });
        Assert.Equal(1, queues.Stats.Lost);
    }

    /// <summary>A guest's LOCK XOR on its word.</summary>
    internal static void Toggle(ref uint word, uint bits)
    {
        uint seen = Volatile.Read(ref word);
        uint found;
        while ((found = Interlocked.CompareExchange(ref word, seen ^ bits, seen)) != seen)
        {
            seen = found;
        }
    }

    /// <summary>One allowed write per try of set_link: unmask (conditionally) when masked, else mask.</summary>
    private void Flip(FifoGuestModel guest, uint port)
    {
        if ((_memory.EventWord(port) & FifoEventWord.Masked) != 0)
        {
            guest.TryUnmaskDirectly(port);
        }
        else
        {
            guest.Mask(port);
        }
    }

    /// <summary>Port 3 pending and linked as the tail of vCPU 0's default queue, port 4 routed to the same queue.</summary>
    private void Tail(FifoEventQueues queues)
    {
        queues.SetRoute(3, 0, FifoEventWord.PriorityDefault);
        queues.SetRoute(4, 0, FifoEventWord.PriorityDefault);
        queues.Raise(3);
        Assert.True(FifoEventWord.IsTail(_memory.EventWord(3)));
    }

    private FifoEventQueues Queues(params string[] defects)
    {
        var set = new DefectSet();
        foreach (var defect in defects)
        {
            set.Enable(defect);
        }

        return new FifoEventQueues(_memory, 2, set, _upcalls.Add);
    }
}
