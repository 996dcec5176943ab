namespace Rig.Hypervisor.Xen;

/// <summary>
/// struct evtchn_fifo_control_block (xen/include/public/event_channel.h): per vCPU, uint32 READY (bit n: queue n has
/// events), uint32 reserved, then event_word_t HEAD[EVTCHN_FIFO_MAX_QUEUES]. Only the hypervisor writes HEAD (design
/// draft D and later); the guest reads it when its own head for a queue has run out.
/// </summary>
public static class FifoControlBlock
{
    public const int ReadyOffset = 0;
    public const int HeadOffset = 8;
    public const int Size = HeadOffset + FifoEventWord.Priorities * sizeof(uint);

    public static int HeadAt(int priority) => HeadOffset + priority * sizeof(uint);
}
