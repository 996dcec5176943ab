namespace Rig.Guest;

/// <summary>
/// Every exception and interrupt, delivered at CPL3 by the stub's trampoline. C# handlers are registered per
/// vector. An exception nobody expected becomes `RIG error &lt;probe&gt; vector=.. rip=.. error=..` and exit 2.
/// LAPIC interrupts get their EOI here after the handler; the runtime does not trust ISR/PPR for its own
/// bookkeeping because kvm_pvm's in-kernel LAPIC never sets them (shared/notes/pvm-capabilities.md).
/// </summary>
public static unsafe class Events
{
    public const int SpuriousVector = 0xFF;

    private static delegate*<EventFrame*, void>* handlers;
    private static ulong* counts;
    private static byte* withoutEoi;

    internal static void Initialize()
    {
        handlers = (delegate*<EventFrame*, void>*)Heap.Allocate(256 * 8);
        counts = (ulong*)Heap.Allocate(256 * 8);
        withoutEoi = (byte*)Heap.Allocate(256);
    }

    public static void Register(int vector, delegate*<EventFrame*, void> handler) => Register(vector, handler, endOfInterrupt: true);

    /// <summary>
    /// With <paramref name="endOfInterrupt"/> false the runtime sends no EOI after the handler, so a probe can leave
    /// the vector in service on purpose (SDM 12.8.4) and end it later with <see cref="LocalApic.EndOfInterrupt"/>.
    /// </summary>
    public static void Register(int vector, delegate*<EventFrame*, void> handler, bool endOfInterrupt)
    {
        withoutEoi[vector] = (byte)(endOfInterrupt ? 0 : 1);
        handlers[vector] = handler;
    }

    public static void Unregister(int vector) => handlers[vector] = null;

    /// <summary>How often a vector was delivered (all vCPUs).</summary>
    public static ulong Count(int vector) => Atomic.Load(&counts[vector]);

    internal static void Dispatch(EventFrame* frame)
    {
        int vector = (int)(frame->Vector & 0xFF);
        if (counts == null)
        {
            // An event before the runtime could take one: report it rather than fault again in here.
            Runtime.UnexpectedException(frame);
        }
        Atomic.FetchAdd(&counts[vector], 1);
        bool exception = vector < 32 && vector != 2;
        if (exception && Fixups.TryResume(frame))
        {
            return;
        }
        delegate*<EventFrame*, void> handler = handlers[vector];
        if (handler != null)
        {
            handler(frame);
        }
        else if (exception)
        {
            Runtime.UnexpectedException(frame);
        }
        if (vector >= 32 && vector != SpuriousVector && (handler == null || withoutEoi[vector] == 0))
        {
            LocalApic.EndOfInterrupt();
        }
    }
}
