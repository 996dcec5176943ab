using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>
/// The clocks the time suite reads: the raw TSC by RDTSC and by RDTSCP (SDM Vol. 3B 18.17), kvmclock and the Xen
/// pvclock. TSC readings are in cycles, pvclocks in ns; comparisons use the native unit and reports convert to ns.
/// <see cref="Setup"/> runs on the BSP before the APs start, <see cref="EnableHere"/> on every vCPU.
/// </summary>
public static unsafe class Clocks
{
    public const int Tsc = 0;
    public const int Rdtscp = 1;
    public const int KvmClock = 2;
    public const int XenClock = 3;
    public const int Count = 4;

    private const int MaxCpus = 64;

    private static int available;
    private static PvClockTimeInfo** xenAreas;
    private static PvClockTimeInfo* copies;

    public static string Name(int clock) => clock switch
    {
        Tsc => ClockNames.Tsc,
        Rdtscp => ClockNames.Rdtscp,
        KvmClock => ClockNames.KvmClock,
        _ => ClockNames.XenClock,
    };

    /// <summary>Finds which clocks this target has (Xen's needs shared_info mapped once) and reports the others as skipped.</summary>
    public static void Setup(string caseName)
    {
        xenAreas = (PvClockTimeInfo**)Heap.Allocate(MaxCpus * 8);
        copies = (PvClockTimeInfo*)Heap.Allocate((ulong)(MaxCpus * sizeof(PvClockTimeInfo)));
        available = 1 << Tsc;
        if (Cpu.HasRdtscp)
        {
            available |= 1 << Rdtscp;
        }
        else
        {
            Report.Skip(caseName, AbsenceReason.NoRdtscp);
        }
        if (PvClock.Enable())
        {
            available |= 1 << KvmClock;
        }
        else
        {
            Report.Skip(caseName, AbsenceReason.NoKvmclock);
        }
        if (XenTime.Enable(out string why))
        {
            available |= 1 << XenClock;
        }
        else
        {
            Report.Skip(caseName, why);
        }
        EnableHere();
    }

    /// <summary>Registers this vCPU's kvmclock record and looks up its Xen record (CPUID exits, so once).</summary>
    public static void EnableHere()
    {
        if (Has(KvmClock))
        {
            PvClock.Enable();
        }
        if (Has(XenClock) && Cpu.Index < MaxCpus)
        {
            xenAreas[Cpu.Index] = XenTime.Area;
        }
    }

    public static bool Has(int clock) => (available & (1 << clock)) != 0;

    /// <summary>The clock now: TSC cycles, or pvclock ns read by the version protocol.</summary>
    public static ulong Read(int clock) => Read(clock, out _, out _);

    /// <summary>
    /// As <see cref="Read(int)"/>, also giving the TSC value the reading came from (the reading itself for the TSC
    /// clocks), so a pvclock's step can be set against its own TSC's step (<see cref="QpcCheck"/>), and the pvclock
    /// record it came from (all zeros for the TSC clocks), so a step back can be told by whether a record update without
    /// PVCLOCK_TSC_STABLE_BIT lay between its two readings (<see cref="StepStats.Step"/>).
    /// </summary>
    public static ulong Read(int clock, out ulong tsc, out PvClockTimeInfo record)
    {
        record = default;
        switch (clock)
        {
            case Tsc:
                tsc = Cpu.RdtscOrdered();
                return tsc;
            case Rdtscp:
                tsc = Cpu.Rdtscp(out _);
                return tsc;
            case KvmClock:
                return OrderedNow(PvClock.KvmArea, out tsc, out record);
            default:
                PvClockTimeInfo* area = xenAreas[Cpu.Index];
                tsc = 0;
                return area == null ? 0 : OrderedNow(area, out tsc, out record);
        }
    }

    /// <summary>
    /// The pvclock's time from a consistent copy of the record and a TSC read after it, by RDTSCP where offered, else
    /// MFENCE;LFENCE;RDTSC (Linux reads pvclocks with rdtsc_ordered): a plain RDTSC may run before the lock the warp
    /// check just took, and then read
    /// a TSC older than the previous holder's. Measured here: kvmclock "warped" by 320–420 ns in 2 of 3 runs while every
    /// vCPU's record gave one TSC value the same time and RDTSCP never warped. The copy is never newer than the TSC (the
    /// hypervisor stamps records with TSCs already past), and a record updated after the copy continues the same line.
    /// </summary>
    private static ulong OrderedNow(PvClockTimeInfo* area, out ulong tsc, out PvClockTimeInfo record)
    {
        record = PvClock.Snapshot(area);
        tsc = OrderedTsc();
        return PvClock.Nanoseconds(tsc, record);
    }

    /// <summary>The TSC read after everything before it (<see cref="OrderedNow"/>): RDTSCP where offered, else MFENCE;LFENCE;RDTSC.</summary>
    public static ulong OrderedTsc() => Has(Rdtscp) ? Cpu.Rdtscp(out _) : Cpu.RdtscOrdered();

    /// <summary>This vCPU's record of a pvclock (<see cref="KvmClock"/> or <see cref="XenClock"/>); null where it has none.</summary>
    public static PvClockTimeInfo* Record(int clock) => clock == KvmClock ? PvClock.KvmArea : Cpu.Index < MaxCpus ? xenAreas[Cpu.Index] : null;

    /// <summary>
    /// Whether the clock promises order across vCPUs: the pvclocks by PVCLOCK_TSC_STABLE_BIT in this vCPU's record,
    /// the TSC by CPUID 0x80000007 EDX bit 8, invariant TSC (SDM Vol. 3B 18.17.1).
    /// </summary>
    public static bool Stable(int clock)
    {
        if (clock == KvmClock || clock == XenClock)
        {
            PvClockTimeInfo* area = clock == KvmClock ? PvClock.KvmArea : xenAreas[Cpu.Index];
            return area != null && (PvClock.Snapshot(area).Flags & PvClock.TscStableFlag) != 0;
        }
        return Cpu.Cpuid(0x80000000).Eax >= 0x80000007 && (Cpu.Cpuid(0x80000007).Edx >> 8 & 1) != 0;
    }

    /// <summary>
    /// How far apart, in ns, the vCPUs' records of a pvclock put one TSC value. With one invariant TSC a TSC value is one
    /// moment on every vCPU, so under PVCLOCK_TSC_STABLE_BIT every record must give it the same time; unlike ordered
    /// reads this does not depend on the vCPUs running at the same time. The records are copied first and the TSC read
    /// after, so no record is newer than the TSC value. kvmclock records lie 64 bytes apart by vCPU index (PvClock).
    /// </summary>
    public static ulong RecordSpread(int clock, int cpus)
    {
        int count = 0;
        for (int cpu = 0; cpu < cpus && cpu < MaxCpus; cpu++)
        {
            PvClockTimeInfo* area = clock == KvmClock ? PvClock.KvmArea + (cpu - Cpu.Index) * 2 : xenAreas[cpu];
            if (area != null)
            {
                copies[count++] = PvClock.Snapshot(area);
            }
        }
        ulong tsc = Native.Rdtsc();
        ulong low = ~0UL;
        ulong high = 0;
        for (int i = 0; i < count; i++)
        {
            ulong ns = PvClock.Nanoseconds(tsc, copies[i]);
            low = ns < low ? ns : low;
            high = ns > high ? ns : high;
        }
        return count == 0 ? 0 : high - low;
    }

    /// <summary>A difference in the clock's unit, as ns.</summary>
    public static ulong Nanoseconds(int clock, ulong delta) => clock <= Rdtscp ? Rig.Guest.Tsc.Nanoseconds(delta) : delta;
}
