using System.Diagnostics;
using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The hypervisor's half of the FIFO event channel ABI (design "FIFO-based event channel ABI", draft G and later;
/// xen/include/public/event_channel.h): raising an event sets PENDING in its word and, if the event is unmasked and not
/// yet on a queue, links it behind the tail of its vCPU's queue for its priority (or starts the queue with HEAD and
/// READY and an upcall). Every operation is an atomic on the word the guest sees, because the guest consumes, masks
/// and clears concurrently. Each queue has a lock that serialises linking with EVTCHNOP_unmask of its tail.
/// </summary>
public sealed class FifoEventQueues
{
    /// <summary>
    /// Draft G: the guest's valid writes to a tail word (clear LINKED, clear PENDING, set MASKED) can fail set_link's
    /// compare-exchange at most 3 times, so set_link retries 3 times and then gives up (seed 003's fix).
    /// </summary>
    public const int SetLinkRetries = 3;

    private const int RouteChunkBits = 10;
    private const uint RouteChunkMask = (1u << RouteChunkBits) - 1;

    private readonly IFifoEventMemory _memory;
    private readonly DefectSet _defects;
    private readonly Action<int> _upcall;
    private readonly Action<uint>? _unmaskWaitsForQueueLock;
    private readonly Queue[,] _queues;

    // Routes by port, in chunks allocated when a port in them is first routed: one array for all 2^17 ports was 1 MiB
    // allocated at the start and cleared at every machine reset (~0.7 ms of a start's ~12 ms CPU, perf), for guests that
    // bind a handful of ports.
    private readonly Route?[]?[] _routeChunks = new Route?[]?[FifoEventWord.MaxPorts >> RouteChunkBits];
    private long _sends;
    private long _coalesced;
    private long _links;
    private long _retries;
    private long _mostRetries;
    private long _lost;
    private long _unroutable;
    private long _upcalls;
    private long _longestSendTicks;

    /// <param name="upcall">Called with a vCPU whose READY gained a queue: the guest must be told (vector upcall).</param>
    /// <param name="unmaskWaitsForQueueLock">Called with a port whose EVTCHNOP_unmask found its queue's lock held by a link (the forced race's rendezvous).</param>
    public FifoEventQueues(IFifoEventMemory memory, int vcpuCount, DefectSet defects, Action<int> upcall, Action<uint>? unmaskWaitsForQueueLock = null)
    {
        _memory = memory;
        _defects = defects;
        _upcall = upcall;
        _unmaskWaitsForQueueLock = unmaskWaitsForQueueLock;
        _queues = new Queue[vcpuCount, FifoEventWord.Priorities];
        for (int vcpu = 0; vcpu < vcpuCount; vcpu++)
        {
            for (int priority = 0; priority < FifoEventWord.Priorities; priority++)
            {
                _queues[vcpu, priority] = new Queue();
            }
        }
    }

    public int VcpuCount => _queues.GetLength(0);

    /// <summary>The vCPU and priority whose queue <paramref name="port"/>'s events join (EVTCHNOP_bind_*, bind_vcpu, set_priority).</summary>
    public void SetRoute(uint port, int vcpu, uint priority)
    {
        WriteRoute(port, RouteOf(port) with { Vcpu = vcpu, Priority = (int)priority });
    }

    public int VcpuOf(uint port) => RouteOf(port).Vcpu;

    public uint PriorityOf(uint port) => (uint)RouteOf(port).Priority;

    /// <summary>
    /// Raises an event on <paramref name="port"/> (Xen's evtchn_fifo_set_pending). <paramref name="linkWindow"/> runs
    /// inside set_link, with the tail's port and the word the try read, between that read and each compare-exchange:
    /// the rig holds that window open to force a guest's write into it, as seed 003's race needs.
    /// </summary>
    public void Raise(uint port, Action<uint, uint>? linkWindow = null)
    {
        long start = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _sends);
        if (!_memory.HasEventWord(port) || !_memory.HasControlBlock(VcpuOf(port)))
        {
            Interlocked.Increment(ref _unroutable);
            return;
        }

        ref uint word = ref _memory.EventWord(port);

        // Design, raising an event: PENDING is set whatever else holds; a second raise before the guest clears it coalesces.
        if ((Interlocked.Or(ref word, FifoEventWord.Pending) & FifoEventWord.Pending) != 0)
        {
            Interlocked.Increment(ref _coalesced);
        }

        LinkIfUnmasked(port, ref word, linkWindow);
        if (linkWindow is null)
        {
            // A send the rig held open for its forced race lasted as long as the guest took to answer: not the hypervisor's time.
            RecordSendTime(Stopwatch.GetTimestamp() - start);
        }
    }

    /// <summary>
    /// EVTCHNOP_unmask (Xen's evtchn_fifo_unmask): clears MASKED and links the event if it is pending. Draft G: when
    /// the event is the tail of the queue it was last on, MASKED is cleared under that queue's lock, so it cannot change
    /// the word while set_link is writing LINK into it.
    /// </summary>
    public void Unmask(uint port)
    {
        if (!_memory.HasEventWord(port))
        {
            return;
        }

        ref uint word = ref _memory.EventWord(port);
        Queue? last = RouteOf(port).LastQueue;
        if (last is not null && Volatile.Read(ref last.Tail) == port && !_defects.IsOn(DefectCatalog.UnmaskWithoutQueueLock))
        {
            if (!last.Gate.TryEnter())
            {
                _unmaskWaitsForQueueLock?.Invoke(port);
                last.Gate.Enter();
            }

            try
            {
                Interlocked.And(ref word, ~FifoEventWord.Masked);
            }
            finally
            {
                last.Gate.Exit();
            }
        }
        else
        {
            Interlocked.And(ref word, ~FifoEventWord.Masked);
        }

        if ((Volatile.Read(ref word) & FifoEventWord.Pending) != 0 && _memory.HasControlBlock(VcpuOf(port)))
        {
            LinkIfUnmasked(port, ref word, null);
        }
    }

    /// <summary>Forgets a closed port's route and queue; the guest's word is left as the guest last saw it.</summary>
    public void Forget(uint port)
    {
        WriteRoute(port, null);
        foreach (var queue in _queues)
        {
            lock (queue.Gate)
            {
                if (queue.Tail == port)
                {
                    queue.Tail = 0;
                }
            }
        }
    }

    /// <summary>EVTCHNOP_reset and a new control block: every queue empty, every port unrouted.</summary>
    public void Clear()
    {
        foreach (var chunk in _routeChunks)
        {
            if (chunk is not null)
            {
                Array.Clear(chunk);
            }
        }

        foreach (var queue in _queues)
        {
            lock (queue.Gate)
            {
                queue.Tail = 0;
            }
        }
    }

    public EventChannelStats Stats => new(
        Interlocked.Read(ref _sends), Interlocked.Read(ref _coalesced), Interlocked.Read(ref _links),
        Interlocked.Read(ref _retries), Interlocked.Read(ref _mostRetries), Interlocked.Read(ref _lost),
        Interlocked.Read(ref _unroutable), Interlocked.Read(ref _upcalls),
        (long)(Interlocked.Read(ref _longestSendTicks) * (1e9 / Stopwatch.Frequency)));

    private void LinkIfUnmasked(uint port, ref uint word, Action<uint, uint>? linkWindow)
    {
        // Design: only an unmasked event that is not already on a queue is linked; a masked one waits for its unmask.
        if ((Volatile.Read(ref word) & (FifoEventWord.Masked | FifoEventWord.Linked)) != 0)
        {
            return;
        }

        var route = RouteOf(port);
        var queue = _queues[route.Vcpu, route.Priority];
        bool linked = false;
        lock (queue.Gate)
        {
            if ((Interlocked.Or(ref word, FifoEventWord.Linked) & FifoEventWord.Linked) != 0)
            {
                return;
            }

            // The seed's patch: remember the latest queue the event was on, for unmask's tail check.
            WriteRoute(port, route with { LastQueue = queue });
            Interlocked.Increment(ref _links);

            // Design, tail check: link behind the tail only while the tail is still LINKED (the guest has not consumed
            // it); otherwise the queue is empty and this event becomes its HEAD. A port re-raised after the guest
            // consumed it as the tail starts a new queue rather than linking to itself.
            uint tail = queue.Tail;
            if (tail != 0 && tail != port && _memory.HasEventWord(tail))
            {
                linked = SetLink(ref _memory.EventWord(tail), port, linkWindow is null ? null : seen => linkWindow(tail, seen));
            }

            if (!linked)
            {
                Volatile.Write(ref _memory.Head(route.Vcpu, route.Priority), port);
            }

            Volatile.Write(ref queue.Tail, port);
        }

        // Design: the queue went from empty to non-empty; READY names it and, when READY was clear of it, the vCPU
        // gets an upcall.
        uint readyBit = 1u << route.Priority;
        if (!linked && (Interlocked.Or(ref _memory.Ready(route.Vcpu), readyBit) & readyBit) == 0)
        {
            Interlocked.Increment(ref _upcalls);
            _upcall(route.Vcpu);
        }
    }

    /// <summary>
    /// Writes LINK into the tail word iff it is still LINKED (Xen's evtchn_fifo_set_link). True: the event is behind
    /// the tail, or set_link gave up after <see cref="SetLinkRetries"/> (draft G: the event is then unreachable, the
    /// consequence of a guest's invalid write; counted as lost). False: the tail was consumed, the queue is empty.
    /// After the first failed compare-exchange BUSY is set on the word, so a guest's conditional unmask cannot race the
    /// remaining tries (Xen: "Lock the word to prevent guest unmasking").
    /// </summary>
    private bool SetLink(ref uint word, uint link, Action<uint>? linkWindow)
    {
        bool bounded = !_defects.IsOn(DefectCatalog.UnboundedSetLink);
        bool lockWord = !_defects.IsOn(DefectCatalog.TailUnmaskAllowed);
        bool busy = false;
        uint seen = Volatile.Read(ref word);
        for (long failures = 0; ; failures++)
        {
            if ((seen & FifoEventWord.Linked) == 0)
            {
                ClearBusy(ref word, busy);
                return false;
            }

            linkWindow?.Invoke(seen);
            uint desired = (seen & ~(FifoEventWord.Busy | FifoEventWord.LinkMask)) | link;
            uint found = Interlocked.CompareExchange(ref word, desired, seen);
            if (found == seen)
            {
                return true;
            }

            if (bounded && failures == SetLinkRetries)
            {
                ClearBusy(ref word, busy);
                Interlocked.Increment(ref _lost);
                return true;
            }

            Interlocked.Increment(ref _retries);
            RecordRetries(failures + 1);

            if (lockWord && !busy)
            {
                busy = true;
                found = Interlocked.Or(ref word, FifoEventWord.Busy) | FifoEventWord.Busy;
            }

            seen = found;
        }
    }

    private static void ClearBusy(ref uint word, bool busy)
    {
        if (busy)
        {
            Interlocked.And(ref word, ~FifoEventWord.Busy);
        }
    }

    private void RecordRetries(long failures)
    {
        long most = Interlocked.Read(ref _mostRetries);
        while (failures > most && Interlocked.CompareExchange(ref _mostRetries, failures, most) != most)
        {
            most = Interlocked.Read(ref _mostRetries);
        }
    }

    private void RecordSendTime(long ticks)
    {
        long longest = Interlocked.Read(ref _longestSendTicks);
        while (ticks > longest && Interlocked.CompareExchange(ref _longestSendTicks, ticks, longest) != longest)
        {
            longest = Interlocked.Read(ref _longestSendTicks);
        }
    }

    /// <summary>One queue: its lock and its tail, which only the hypervisor knows (the guest sees HEAD and LINKs).</summary>
    private sealed class Queue
    {
        public readonly Lock Gate = new();
        public uint Tail;
    }

    private Route RouteOf(uint port) =>
        (Volatile.Read(ref _routeChunks[port >> RouteChunkBits]) is { } chunk ? Volatile.Read(ref chunk[port & RouteChunkMask]) : null)
        ?? Route.Unbound;

    private void WriteRoute(uint port, Route? route)
    {
        ref var slot = ref _routeChunks[port >> RouteChunkBits];
        if (Volatile.Read(ref slot) is null)
        {
            if (route is null)
            {
                return;
            }

            Interlocked.CompareExchange(ref slot, new Route?[1 << RouteChunkBits], null);
        }

        Volatile.Write(ref slot![port & RouteChunkMask], route);
    }

    /// <summary>A port's queue by vCPU and priority, and the queue it was last linked on (immutable: swapped whole).</summary>
    private sealed record Route(int Vcpu, int Priority, Queue? LastQueue)
    {
        public static readonly Route Unbound = new(0, (int)FifoEventWord.PriorityDefault, null);
    }
}
