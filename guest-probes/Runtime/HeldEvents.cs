namespace Rig.Guest;

/// <summary>
/// The held NMI/#MC handler of a vCPU (StubGen/HeldEventCode.cs), driven from C# on another vCPU: choose per vector
/// whether an arrival is held inside the architectural handler (NMI blocking lasts, SDM Vol. 3A 6.7.1) or only
/// logged, release the held handler (its IRET), and read the log its CPL0 code kept. The state lives in the target
/// vCPU's kernel-stack block, which every vCPU can reach (all pages are user pages).
/// </summary>
public static unsafe class HeldEvents
{
    public const ulong Deliver = (ulong)HeldLogWhat.Deliver;
    public const ulong Iret = (ulong)HeldLogWhat.Iret;
    public const ulong Fault = (ulong)HeldLogWhat.Fault;

    // The block's layout, StubGen/Layout.cs (HeldDepthOffset ... HeldLastDeliveryOffset).
    private const ulong DepthAt = 0, ReleaseAt = 8, SpinCyclesAt = 16, LogCountAt = 24, ModesAt = 32, LogAt = 64;
    private const ulong LogCapacity = 32, LogEntrySize = 32;
    private const ulong FaultAt = LogAt + LogCapacity * LogEntrySize;
    private const ulong NestedAt = FaultAt + 16, LastDeliveryAt = NestedAt + 8;

    /// <summary>One arrival or IRET as the CPL0 handler logged it.</summary>
    public struct Entry
    {
        public ulong What;
        public ulong Vector;
        public ulong Depth;
        public ulong Tsc;
        public ulong Rip;
        public ulong Cs;
    }

    /// <summary>From now on <paramref name="vector"/> on <paramref name="cpu"/> is held until <see cref="Release"/>, at most <paramref name="maxMicroseconds"/>.</summary>
    public static void Hold(int cpu, int vector, ulong maxMicroseconds)
    {
        *(ulong*)(Block(cpu) + SpinCyclesAt) = Tsc.Cycles(maxMicroseconds);
        SetMode(cpu, vector, HeldMode.Hold);
    }

    /// <summary>From now on <paramref name="vector"/> on <paramref name="cpu"/> is logged and returned from at once.</summary>
    public static void LogOnly(int cpu, int vector) => SetMode(cpu, vector, HeldMode.LogOnly);

    /// <summary>Back to the runtime's usual path (C# handler at CPL3).</summary>
    public static void Normal(int cpu, int vector) => SetMode(cpu, vector, HeldMode.Normal);

    /// <summary>Lets the outermost held handler of <paramref name="cpu"/> log its IRET and return.</summary>
    public static void Release(int cpu) => Atomic.Exchange((ulong*)(Block(cpu) + ReleaseAt), 1);

    /// <summary>
    /// Makes the outermost held handler of <paramref name="cpu"/> take one fault, <paramref name="vector"/> 6 (#UD), 13
    /// (#GP) or 14 (#PF), whose CPL0 handler returns to it with IRET; it logs a <see cref="Fault"/> entry first.
    /// </summary>
    public static void RequestFault(int cpu, ulong vector) => Atomic.Exchange((ulong*)(Block(cpu) + FaultAt), vector);

    /// <summary>Held handlers <paramref name="cpu"/> is inside now.</summary>
    public static ulong Depth(int cpu) => Atomic.Load((ulong*)(Block(cpu) + DepthAt));

    /// <summary>Entries the handler logged, including those beyond the log's capacity (<see cref="TryGet"/> has the first <see cref="LogCapacity"/>).</summary>
    public static ulong Count(int cpu) => Atomic.Load((ulong*)(Block(cpu) + LogCountAt));

    /// <summary>Arrivals on <paramref name="cpu"/> that found it already inside a held or logged handler (depth above 1), counted past the log's capacity.</summary>
    public static ulong Nested(int cpu) => Atomic.Load((ulong*)(Block(cpu) + NestedAt));

    /// <summary>The TSC at which <paramref name="cpu"/>'s handler logged its latest arrival.</summary>
    public static ulong LastDeliveryTsc(int cpu) => Atomic.Load((ulong*)(Block(cpu) + LastDeliveryAt));

    /// <summary>Spins at CPL3 until <paramref name="cpu"/>'s log holds more than <paramref name="count"/> entries.</summary>
    public static bool WaitBeyond(int cpu, ulong count, ulong timeoutMicroseconds)
    {
        ulong deadline = Tsc.Deadline(timeoutMicroseconds);
        while (Count(cpu) <= count)
        {
            if (Tsc.Now >= deadline)
            {
                return false;
            }
            Cpu.Pause();
        }
        return true;
    }

    public static bool TryGet(int cpu, ulong index, out Entry entry)
    {
        entry = default;
        if (index >= Count(cpu) || index >= LogCapacity)
        {
            return false;
        }
        ulong* raw = (ulong*)(Block(cpu) + LogAt + index * LogEntrySize);
        entry.What = raw[0] & 0xFF;
        entry.Vector = raw[0] >> 8 & 0xFF;
        entry.Depth = raw[0] >> 16;
        entry.Tsc = raw[1];
        entry.Rip = raw[2];
        entry.Cs = raw[3];
        return true;
    }

    /// <summary>What the CPL0 entry does with <paramref name="vector"/> on <paramref name="cpu"/> now (0 = the usual path).</summary>
    public static ulong Mode(int cpu, int vector) => Block(cpu)[ModesAt + (ulong)vector];

    /// <summary>
    /// Zeroes every vCPU's held-handler state (its modes, log and counters) at boot and returns how many of its bytes
    /// were not zero. The blocks lie beyond the image, in RAM no loader clears: a reset keeps RAM, and Xen hands a domU
    /// pages as they were when the kit boots it with bootscrub=false (xen-tcg and xen-tcg-hvm: 15 415 and 15 615 of the
    /// 18 048 bytes were not zero, and SelfTest's NMI self-IPI went to the held handler's log, never to C#). A nonzero
    /// mode byte diverts its vector from C#.
    /// </summary>
    internal static ulong Reset()
    {
        ulong dirty = 0;
        for (int cpu = 0; cpu < (int)Runtime.Boot->MaxCpus; cpu++)
        {
            byte* block = Block(cpu);
            for (ulong i = 0; i < LastDeliveryAt + 8; i++)
            {
                dirty += block[i] != 0 ? 1UL : 0UL;
                block[i] = 0;
            }
        }
        return dirty;
    }

    private static void SetMode(int cpu, int vector, HeldMode mode) => Block(cpu)[ModesAt + (ulong)vector] = (byte)mode;

    /// <summary>The block at the base of the vCPU's kernel stacks.</summary>
    private static byte* Block(int cpu) => (byte*)(Runtime.Boot->KernelStacksBase + (ulong)cpu * Runtime.Boot->KernelStacksStride);
}
