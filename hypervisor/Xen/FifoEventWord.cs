namespace Rig.Hypervisor.Xen;

/// <summary>
/// The FIFO ABI's event word and its limits (xen/include/public/event_channel.h, "FIFO ABI"): one 32-bit word per
/// port in the guest's event array; bits 31..28 are PENDING, MASKED, LINKED and BUSY, bits 16..0 the LINK to the next
/// port of the queue the event is on (0: the event is the queue's tail).
/// </summary>
public static class FifoEventWord
{
    public const uint Pending = 1u << 31;
    public const uint Masked = 1u << 30;
    public const uint Linked = 1u << 29;

    /// <summary>
    /// Set by Xen on a tail word while it writes LINK, so a guest that clears MASKED with a compare-exchange expecting
    /// BUSY clear (Linux's clear_masked_cond) falls back to EVTCHNOP_unmask instead of racing the link.
    /// </summary>
    public const uint Busy = 1u << 28;

    /// <summary>EVTCHN_FIFO_LINK_BITS: the width of LINK, returned to the guest by EVTCHNOP_init_control.</summary>
    public const int LinkBits = 17;

    public const uint LinkMask = (1u << LinkBits) - 1;

    /// <summary>EVTCHN_FIFO_NR_CHANNELS: every port LINK can name.</summary>
    public const uint MaxPorts = 1u << LinkBits;

    /// <summary>EVTCHN_FIFO_EVENT_WORDS_PER_PAGE: one page of the event array, which EVTCHNOP_expand_array adds to.</summary>
    public const int WordsPerPage = 4096 / sizeof(uint);

    /// <summary>EVTCHN_FIFO_MAX_QUEUES: one queue per priority and vCPU.</summary>
    public const int Priorities = 16;

    /// <summary>EVTCHN_FIFO_PRIORITY_MAX: queue 0 is served first.</summary>
    public const uint PriorityHighest = 0;

    /// <summary>EVTCHN_FIFO_PRIORITY_DEFAULT: the priority a newly bound port starts with.</summary>
    public const uint PriorityDefault = 7;

    /// <summary>EVTCHN_FIFO_PRIORITY_MIN.</summary>
    public const uint PriorityLowest = 15;

    public static uint Link(uint word) => word & LinkMask;

    /// <summary>The design's tail: LINKED and no LINK, the word a new event is linked behind.</summary>
    public static bool IsTail(uint word) => (word & Linked) != 0 && Link(word) == 0;
}
