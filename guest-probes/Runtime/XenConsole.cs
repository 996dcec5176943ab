namespace Rig.Guest;

/// <summary>
/// Xen's PV console, the probe's channel where there is no UART (a PVH guest): the ring page and event channel are
/// HVM_PARAM_CONSOLE_PFN and HVM_PARAM_CONSOLE_EVTCHN (public/hvm/params.h, read with HVMOP_get_param), the page is
/// struct xencons_interface (public/io/console.h: in[1024], out[2048], then in_cons, in_prod, out_cons, out_prod as
/// 32-bit free-running indices), and the guest notifies the backend with EVTCHNOP_send after producing output or
/// consuming input. The docs/protocol.md lines go through it unchanged: COM1's lines and COM2's requests out, the
/// acks in. Index words are updated with LOCK CMPXCHG on the 64-bit word that holds both indices of a ring, so the
/// bytes are in the ring before the backend can see the new index and the backend's own index is never overwritten.
/// </summary>
public static unsafe class XenConsole
{
    private const ulong HypercallHvmOp = 34; // __HYPERVISOR_hvm_op
    private const ulong HvmGetParam = 1; // HVMOP_get_param
    private const uint ParamConsolePfn = 17; // HVM_PARAM_CONSOLE_PFN
    private const uint ParamConsoleEvtchn = 18; // HVM_PARAM_CONSOLE_EVTCHN
    private const int InSize = 1024;
    private const int OutSize = 2048;
    private const int InIndices = 3072; // in_cons, in_prod
    private const int OutIndices = 3080; // out_cons, out_prod
    private const ulong FullRingWaitUs = 1_000_000;
    private const ulong Refused = 0xFFFF_FFFF_FFFF_FFFF; // the core library has no ulong.MaxValue

    private static byte* page;
    private static uint port;

    /// <summary>True once <see cref="Enable"/> found the console: the runtime's channel is this ring, not a UART.</summary>
    public static bool Active => page != null;

    /// <summary>Finds the console through Xen's CPUID leaves, hypercall page and HVM params; false when any is absent.</summary>
    internal static bool Enable()
    {
        if (!XenTime.Enable(out _))
        {
            return false;
        }
        ulong pfn = GetParam(ParamConsolePfn);
        ulong evtchn = GetParam(ParamConsoleEvtchn);
        if (pfn == 0 || pfn == Refused || evtchn == Refused)
        {
            return false;
        }
        port = (uint)evtchn;
        page = (byte*)(pfn << 12);
        return true;
    }

    /// <summary>Puts <paramref name="count"/> bytes on the out ring; a backend that stops reading costs the probe its log, never its run.</summary>
    internal static void Write(byte* bytes, int count)
    {
        ulong* indices = (ulong*)(page + OutIndices);
        int sent = 0;
        ulong deadline = 0;
        while (sent < count)
        {
            ulong word = Atomic.Load(indices);
            uint consumer = (uint)word;
            uint producer = (uint)(word >> 32);
            int room = OutSize - (int)(producer - consumer);
            if (room <= 0)
            {
                XenEvents.Send(port);
                deadline = deadline == 0 ? Tsc.Deadline(FullRingWaitUs) : deadline;
                if (Tsc.Now > deadline)
                {
                    return;
                }
                Cpu.Pause();
                continue;
            }
            int n = count - sent < room ? count - sent : room;
            for (int i = 0; i < n; i++)
            {
                page[InSize + (int)((producer + (uint)i) & (OutSize - 1))] = bytes[sent + i];
            }
            Publish(indices, producer + (uint)n, high: true);
            sent += n;
        }
        XenEvents.Send(port);
    }

    /// <summary>
    /// Waits (bounded) until the backend has taken every byte of the out ring: output still in the ring when the
    /// domain shuts down is lost with it (seen on xen-tcg: probes whose verdicts never reached xenconsoled).
    /// </summary>
    internal static void Drain()
    {
        if (page == null)
        {
            return;
        }
        ulong* indices = (ulong*)(page + OutIndices);
        ulong deadline = Tsc.Deadline(FullRingWaitUs);
        while (true)
        {
            ulong word = Atomic.Load(indices);
            if ((uint)word == (uint)(word >> 32) || Tsc.Now > deadline)
            {
                return;
            }
            XenEvents.Send(port);
            Cpu.Pause();
        }
    }

    /// <summary>The next input byte, or -1 when the in ring is empty.</summary>
    internal static int ReadByte()
    {
        ulong* indices = (ulong*)(page + InIndices);
        ulong word = Atomic.Load(indices);
        uint consumer = (uint)word;
        if (consumer == (uint)(word >> 32))
        {
            return -1;
        }
        byte b = page[(int)(consumer & (InSize - 1))];
        Publish(indices, consumer + 1, high: false);
        // The backend waits for room only when the ring was full; an event per byte would be a hypercall per byte.
        if ((uint)(word >> 32) - consumer == InSize)
        {
            XenEvents.Send(port);
        }
        return b;
    }

    /// <summary>Stores our index (the high half for out_prod, the low half for in_cons) without touching the backend's.</summary>
    private static void Publish(ulong* indices, uint value, bool high)
    {
        while (true)
        {
            ulong old = Atomic.Load(indices);
            ulong updated = high ? (old & 0xFFFFFFFFUL) | (ulong)value << 32 : (old & ~0xFFFFFFFFUL) | value;
            if (Atomic.CompareExchange(indices, old, updated) == old)
            {
                return;
            }
        }
    }

    /// <summary>HVMOP_get_param for this domain; all ones when Xen refuses (struct xen_hvm_param: domid u16, index u32 at 4, value u64 at 8).</summary>
    private static ulong GetParam(uint index)
    {
        ulong* param = stackalloc ulong[2];
        param[0] = XenEvents.DomidSelf | (ulong)index << 32;
        param[1] = 0;
        long result = (long)Native.Gate(GateOp.XenHypercall, XenTime.Entry(HypercallHvmOp), HvmGetParam, (ulong)param);
        return result == 0 ? param[1] : Refused;
    }
}
