namespace Rig.Guest;

/// <summary>
/// A guest's driver for Xen's FIFO event channels (xen/include/public/event_channel.h and the FIFO design, draft G),
/// consuming as Linux's drivers/xen/events/events_fifo.c does: READY is taken with an exchange into a per-vCPU copy,
/// the highest ready priority (lowest queue number) is served first, the driver keeps its own HEAD per queue and reads
/// the control block's HEAD only when its own ran out, consuming clears LINKED and LINK together and follows LINK,
/// and an event is handled when PENDING and not MASKED, clearing PENDING first. Unmasking follows draft G: MASKED is
/// cleared directly only on a word that is neither pending nor a queue's tail, and never under BUSY; otherwise
/// EVTCHNOP_unmask. Event words are 32-bit; their atomics go through the aligned 64-bit word that holds them.
/// </summary>
public static unsafe class XenEvents
{
    public const uint Pending = 1u << 31;
    public const uint Masked = 1u << 30;
    public const uint Linked = 1u << 29;
    public const uint Busy = 1u << 28;
    public const uint LinkMask = (1u << 17) - 1;

    /// <summary>Ports the driver tracks (one event array page).</summary>
    public const uint Ports = 1024;

    public const ushort DomidSelf = 0x7FF0;


    private const ulong HypercallEventChannelOp = 32; // __HYPERVISOR_event_channel_op
    private const ulong HypercallHvmOp = 34; // __HYPERVISOR_hvm_op
    private const ulong HvmSetEvtchnUpcallVector = 23; // HVMOP_set_evtchn_upcall_vector
    private const int Queues = 16; // EVTCHN_FIFO_MAX_QUEUES
    private const int MaxCpus = 64;
    private const ulong PageSize = 4096;

    private static uint* eventArray;
    private static uint** controlBlocks;
    private static uint* localReady;
    private static uint* localHeads;
    private static ulong* handled;
    private static ulong* upcalls;
    private static ulong* lastUpcallTsc;

    /// <summary>
    /// Finds Xen (CPUID leaves, hypercall page, shared_info), names <paramref name="vector"/> as every vCPU's upcall and
    /// adds the first event array page. False with a reason when the target has no Xen interface or refuses the FIFO ABI.
    /// The upcall is HVMOP_set_evtchn_upcall_vector's (public/hvm/hvm_op.h), raised through the LAPIC as an edge
    /// interrupt once each time evtchn_upcall_pending goes from 0 to 1, and EOI'd by the runtime: not HVM_PARAM_CALLBACK_IRQ's
    /// vector type, which Xen keeps injecting, past the LAPIC, for as long as evtchn_upcall_pending is set
    /// (hvm_vcpu_has_pending_irq). The runtime hands events to C# at CPL3 with interrupts enabled, so that vector came
    /// back before the handler could clear the flag, nesting on the stack until the vCPU triple-faulted (xen-tcg,
    /// docs/notes/xen.md: the console backend's notification sets the flag as soon as the runtime has written a line).
    /// </summary>
    public static bool Enable(byte vector, out string reason)
    {
        if (!XenTime.Enable(out reason))
        {
            return false;
        }
        controlBlocks = (uint**)Heap.Allocate(MaxCpus * 8);
        localReady = (uint*)Heap.Allocate(MaxCpus * 4);
        localHeads = (uint*)Heap.Allocate(MaxCpus * Queues * 4);
        handled = (ulong*)Heap.Allocate(Ports * 8);
        upcalls = (ulong*)Heap.Allocate(MaxCpus * 8);
        lastUpcallTsc = (ulong*)Heap.Allocate(MaxCpus * 8);
        Events.Register(vector, &OnUpcall);
        // struct xen_hvm_evtchn_upcall_vector { uint32_t vcpu; uint8_t vector; }, for every vCPU the MADT lists.
        uint* request = stackalloc uint[2];
        for (int vcpu = 0; vcpu < Acpi.CpuCount(); vcpu++)
        {
            request[0] = (uint)vcpu;
            request[1] = vector;
            if (Hvm(HvmSetEvtchnUpcallVector, request) != 0)
            {
                reason = "upcall-vector-refused";
                return false;
            }
        }
        if (!InitControlHere())
        {
            reason = "init-control-refused";
            return false;
        }
        eventArray = (uint*)AlignedPage();
        ulong gfn = (ulong)eventArray / PageSize;
        if (Op(EvtchnOp.ExpandArray, &gfn) != 0)
        {
            reason = "expand-array-refused";
            return false;
        }
        return true;
    }

    /// <summary>EVTCHNOP_init_control for the calling vCPU, its control block at offset 0 of a fresh page.</summary>
    public static bool InitControlHere()
    {
        int cpu = Cpu.Index;
        uint* block = (uint*)AlignedPage();
        // struct evtchn_init_control { uint64_t control_gfn; uint32_t offset; uint32_t vcpu; OUT uint8_t link_bits; }
        ulong* request = stackalloc ulong[3];
        request[0] = (ulong)block / PageSize;
        request[1] = (ulong)(uint)cpu << 32;
        request[2] = 0;
        if (Op(EvtchnOp.InitControl, request) != 0)
        {
            return false;
        }
        controlBlocks[cpu] = block;
        return true;
    }

    /// <summary>event_channel_op(cmd, arg) through the CPL0 gate: 0 or a negative errno.</summary>
    public static long Op(ulong command, void* argument) =>
        (long)Native.Gate(GateOp.XenHypercall, XenTime.Entry(HypercallEventChannelOp), command, (ulong)argument);

    private static long Hvm(ulong command, void* argument) =>
        (long)Native.Gate(GateOp.XenHypercall, XenTime.Entry(HypercallHvmOp), command, (ulong)argument);

    /// <summary>A command whose struct is two 32-bit words (the second an OUT port for binds): the result, the port in <paramref name="port"/>.</summary>
    public static long Op2(ulong command, uint first, uint second, out uint port)
    {
        uint* request = stackalloc uint[2];
        request[0] = first;
        request[1] = second;
        long result = Op(command, request);
        port = request[1];
        return result;
    }

    /// <summary>A command whose struct is one port: send, unmask, close.</summary>
    public static long OpPort(ulong command, uint port)
    {
        uint* request = stackalloc uint[1];
        request[0] = port;
        return Op(command, request);
    }

    /// <summary>EVTCHNOP_alloc_unbound for <paramref name="remoteDomain"/>: a port, or 0 when refused.</summary>
    public static uint AllocUnbound(ushort remoteDomain)
    {
        uint* request = stackalloc uint[2];
        request[0] = DomidSelf | (uint)remoteDomain << 16;
        request[1] = 0;
        return Op(EvtchnOp.AllocUnbound, request) == 0 ? request[1] : 0;
    }

    /// <summary>EVTCHNOP_bind_virq of <paramref name="virq"/> on <paramref name="vcpu"/>: a port, or 0 when refused.</summary>
    public static uint BindVirq(uint virq, uint vcpu)
    {
        // struct evtchn_bind_virq { uint32_t virq; uint32_t vcpu; OUT evtchn_port_t port; }
        uint* request = stackalloc uint[3];
        request[0] = virq;
        request[1] = vcpu;
        request[2] = 0;
        return Op(EvtchnOp.BindVirq, request) == 0 ? request[2] : 0;
    }

    /// <summary>EVTCHNOP_bind_ipi on <paramref name="vcpu"/>: a port, or 0 when refused.</summary>
    public static uint BindIpi(uint vcpu) => Op2(EvtchnOp.BindIpi, vcpu, 0, out uint port) == 0 ? port : 0;

    public static long Send(uint port) => OpPort(EvtchnOp.Send, port);

    public static long SetPriority(uint port, uint priority) => Op2(EvtchnOp.SetPriority, port, priority, out _);

    public static long BindVcpu(uint port, uint vcpu) => Op2(EvtchnOp.BindVcpu, port, vcpu, out _);

    public static uint* Word(uint port) => eventArray + port;

    public static ulong Handled(uint port) => Atomic.Load(&handled[port]);

    public static ulong Upcalls(int cpu) => Atomic.Load(&upcalls[cpu]);

    public static ulong LastUpcallTsc(int cpu) => Atomic.Load(&lastUpcallTsc[cpu]);

    public static void Mask(uint port) => Or(Word(port), Masked);

    public static bool IsMasked(uint port) => (Load(Word(port)) & Masked) != 0;

    /// <summary>Draft G: direct clear only on a word neither pending nor a tail, and not BUSY; else EVTCHNOP_unmask.</summary>
    public static void Unmask(uint port)
    {
        uint* word = Word(port);
        while (true)
        {
            uint seen = Load(word);
            if ((seen & Masked) == 0)
            {
                return;
            }
            bool tail = (seen & Linked) != 0 && (seen & LinkMask) == 0;
            if ((seen & (Pending | Busy)) != 0 || tail)
            {
                OpPort(EvtchnOp.Unmask, port);
                return;
            }
            if (CompareExchange(word, seen, seen & ~Masked) == seen)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Linux's clear_masked_cond: clears MASKED with a compare-exchange that expects BUSY clear, whether or not the word
    /// is a tail (the rule Xen enforces with BUSY). False: the word is pending or BUSY, and the guest must ask Xen.
    /// </summary>
    public static bool TryUnmaskExpectingNotBusy(uint port)
    {
        uint* word = Word(port);
        while (true)
        {
            uint seen = Load(word);
            if ((seen & Masked) == 0)
            {
                return true;
            }
            if ((seen & Pending) != 0)
            {
                return false;
            }
            uint expected = seen & ~Busy;
            uint found = CompareExchange(word, expected, expected & ~Masked);
            if (found == expected)
            {
                return true;
            }
            if ((found & Busy) != 0)
            {
                return false;
            }
        }
    }

    /// <summary>Clears PENDING out of queue order (as Linux's clear_evtchn); true when it was set.</summary>
    public static bool TakePending(uint port) => (And(Word(port), ~Pending) & Pending) != 0;

    /// <summary>A hostile write: flips <paramref name="bits"/> whatever the word's state (the ABI does not allow it).</summary>
    public static void Flip(uint port, uint bits)
    {
        uint* word = Word(port);
        uint seen = Load(word);
        uint found;
        while ((found = CompareExchange(word, seen, seen ^ bits)) != seen)
        {
            seen = found;
        }
    }

    /// <summary>Consumes one event of the calling vCPU; false when no queue is ready.</summary>
    public static bool ConsumeOne()
    {
        int cpu = Cpu.Index;
        uint* block = controlBlocks[cpu];
        if (block == null)
        {
            return false;
        }
        localReady[cpu] |= Exchange(block, 0);
        uint ready = localReady[cpu];
        if (ready == 0)
        {
            return false;
        }
        int priority = 0;
        while ((ready & (1u << priority)) == 0)
        {
            priority++;
        }
        uint* head = localHeads + cpu * Queues + priority;
        uint port = *head;
        if (port == 0)
        {
            // The design: only Xen writes HEAD; the guest reads it when its own head for the queue ran out.
            port = Load(block + 2 + priority);
        }
        uint* word = Word(port);
        uint seen = Load(word);
        uint found;
        while ((found = CompareExchange(word, seen, seen & ~(Linked | LinkMask))) != seen)
        {
            seen = found;
        }
        uint next = seen & LinkMask;
        if (next == 0)
        {
            localReady[cpu] &= ~(1u << priority);
        }
        *head = next;
        if ((Load(word) & (Pending | Masked)) == Pending && (And(word, ~Pending) & Pending) != 0)
        {
            Atomic.FetchAdd(&handled[port], 1);
        }
        return true;
    }

    /// <summary>Clears this vCPU's evtchn_upcall_pending (vcpu_info at shared_info + 64 * id) and consumes until no queue is ready.</summary>
    public static void Drain()
    {
        int cpu = Cpu.Index;
        if (XenTime.SharedInfo != null && cpu < 32)
        {
            // A plain store: the exchange on READY in ConsumeOne is a locked operation and orders it (SDM 9.2.2).
            XenTime.SharedInfo[cpu * 64] = 0;
        }
        while (ConsumeOne())
        {
        }
    }

    private static void OnUpcall(EventFrame* frame)
    {
        int cpu = Cpu.Index;
        Atomic.Exchange(&lastUpcallTsc[cpu], Native.Rdtsc());
        Atomic.FetchAdd(&upcalls[cpu], 1);
    }

    private static byte* AlignedPage()
    {
        ulong raw = (ulong)Heap.Allocate(2 * PageSize);
        return (byte*)((raw + PageSize - 1) & ~(PageSize - 1));
    }

    private static uint Load(uint* word) => (uint)(Atomic.Load(Pair(word)) >> Shift(word));

    private static uint Exchange(uint* word, uint value)
    {
        uint seen = Load(word);
        uint found;
        while ((found = CompareExchange(word, seen, value)) != seen)
        {
            seen = found;
        }
        return seen;
    }

    private static uint Or(uint* word, uint bits)
    {
        uint seen = Load(word);
        uint found;
        while ((found = CompareExchange(word, seen, seen | bits)) != seen)
        {
            seen = found;
        }
        return seen;
    }

    private static uint And(uint* word, uint bits)
    {
        uint seen = Load(word);
        uint found;
        while ((found = CompareExchange(word, seen, seen & bits)) != seen)
        {
            seen = found;
        }
        return seen;
    }

    /// <summary>A 32-bit compare-exchange by LOCK CMPXCHG on the aligned 64-bit word holding it; returns the value found.</summary>
    private static uint CompareExchange(uint* word, uint expected, uint desired)
    {
        ulong* pair = Pair(word);
        int shift = Shift(word);
        while (true)
        {
            ulong old = Atomic.Load(pair);
            if ((uint)(old >> shift) != expected)
            {
                return (uint)(old >> shift);
            }
            ulong updated = (old & ~(0xFFFF_FFFFUL << shift)) | (ulong)desired << shift;
            if (Atomic.CompareExchange(pair, old, updated) == old)
            {
                return expected;
            }
        }
    }

    private static ulong* Pair(uint* word) => (ulong*)((ulong)word & ~7UL);

    private static int Shift(uint* word) => ((ulong)word & 4) != 0 ? 32 : 0;
}
