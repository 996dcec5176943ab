using Rig.Guest;
using Rig.Suites.Sched.Records;

/// <summary>
/// sched.tlb-coherence, guest side: one 4 KiB linear page (the window, at 2 GiB) is remapped by vCPU 0 between two
/// physical pages, generation after generation; page g % 2 holds g when generation g maps it. After each remap vCPU 0
/// invalidates its own translation and shoots down the others' as SDM Vol. 3A 4.10.5 describes: an IPI to all other
/// vCPUs, whose handler invalidates (INVLPG on even generations, a CR3 write on odd ones, 4.10.4.1) and acknowledges;
/// vCPU 0 waits for every acknowledgement. Then every vCPU reads the window, which must hold g: g - 1 is a read
/// through the previous generation's translation. `RIG stale` reports one, `RIG tlb` sums up per vCPU (`ipis=`, the
/// shootdown IPIs it took).
/// The page-table writes are plain CPL3 stores (the stub maps all RAM user-writable); the invalidations go through the gate.
/// The remapping runs until the host says the churn is over (<see cref="ChurnWindow"/>; `ms=` at most), then one more generation.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private const ulong Window = 0x8000_0000;
    private const ulong PresentWritableUser = 0x7;
    private const ulong AddressMask = 0x000F_FFFF_FFFF_F000;
    private const ulong Stop = 0xFFFF_FFFF_FFFF_FFFF;

    /// <summary>The shootdown IPI: fixed delivery to all excluding self (ICR shorthand 11b, SDM Vol. 3A 12.6.1).</summary>
    private const int ShootdownVector = 0xE8;
    private const uint AllExcludingSelf = 3u << 18;
    /// <summary>Longer than any pause the host churn gives a survivor (a collision stops it for one destroy).</summary>
    private const ulong FlushTimeoutUs = 15_000_000;
    private const ulong CheckUs = 500;
    private const int MaxReportsPerVcpu = 8;

    private static ulong windowUs;
    private static ulong vm;
    private static ulong* pte;
    private static ulong* pages;

    /// <summary>Generation × 4 + phase (0 remap, 1 invalidate, 2 check), or <see cref="Stop"/>.</summary>
    private static ulong state;

    /// <summary>Per vCPU: the last generation it invalidated for.</summary>
    private static ulong* acks;

    /// <summary>Per vCPU: shootdown IPIs taken.</summary>
    private static ulong* ipis;

    public static void Main()
    {
        windowUs = CommandLine.GetNumber("ms", 20_000) * 1000;
        vm = CommandLine.GetNumber("vm", 0);
        MapWindow();
        Events.Register(ShootdownVector, &OnShootdown);
        Team.Run(Name, &Work);
    }

    /// <summary>A page table for the window's 2 MiB (in place of the stub's large page there) whose entry 0 is the window.</summary>
    private static void MapWindow()
    {
        ulong raw = (ulong)Heap.Allocate(4 * 4096);
        ulong table = (raw + 4095) & ~4095UL;
        pages = (ulong*)(table + 4096);
        acks = (ulong*)Heap.Allocate(64 * 8);
        ipis = (ulong*)Heap.Allocate(64 * 8);
        ulong* pml4 = (ulong*)(Tlb.ReloadCr3() & AddressMask);
        ulong* pdpt = (ulong*)(pml4[Window >> 39 & 511] & AddressMask);
        ulong* pd = (ulong*)(pdpt[Window >> 30 & 511] & AddressMask);
        pte = (ulong*)table + (Window >> 12 & 511);
        pages[0] = 0;
        *pte = (ulong)pages | PresentWritableUser;
        pd[Window >> 21 & 511] = table | PresentWritableUser;
        Tlb.ReloadCr3();
    }

    private static void Work(int cpu)
    {
        if (!LocalApic.Enable())
        {
            Report.Fail(Name, "lapic-not-enabled");
        }
        Tlb.ReloadCr3();
        Team.Sync(10_000_000);
        if (cpu == 0)
        {
            ChurnWindow.Open(windowUs);
        }
        Team.Sync(10_000_000);
        ulong start = Tsc.Now;
        ulong generations = 0, checks = 0;
        if (cpu == 0)
        {
            Remap(out generations, out checks);
        }
        else
        {
            Follow(cpu, out generations, out checks);
        }
        Line line = default;
        line.Text("RIG ");
        line.Text(TlbRecord.Kind);
        line.Field(TlbRecord.Vm, vm);
        line.Field(TlbRecord.Cpu, (ulong)cpu);
        line.Field(TlbRecord.Generations, generations);
        line.Field(TlbRecord.Checks, checks);
        line.Field(TlbRecord.Ipis, Atomic.Load(ipis + cpu));
        line.Field(TlbRecord.Us, Tsc.Microseconds(Tsc.Now - start));
        line.TextField(TlbRecord.Window, ChurnWindow.ClosedBy);
        Console.Write(ref line);
        if (!Team.Sync(30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }

    private static void Remap(out ulong generations, out ulong checks)
    {
        generations = 0;
        checks = 0;
        int reports = 0;
        fixed (ulong* s = &state)
        {
            bool last = false;
            for (ulong g = 1; !last; g++)
            {
                last = !ChurnWindow.IsOpen(0);
                Atomic.Exchange(s, g * 4);
                ulong* page = (ulong*)((ulong)pages + (g % 2 * 4096));
                Atomic.Exchange(page, g);
                Atomic.Exchange(pte, (ulong)page | PresentWritableUser);
                Atomic.Exchange(s, (g * 4) + 1);
                LocalApic.SendIpi(0, AllExcludingSelf | ShootdownVector);
                Invalidate(g);
                if (!AllAcknowledged(g))
                {
                    Report.Fail(Name, "shootdown-not-acknowledged");
                    break;
                }
                Atomic.Exchange(s, (g * 4) + 2);
                ulong checkEnd = Tsc.Deadline(CheckUs);
                while (Tsc.Now < checkEnd)
                {
                    checks++;
                    ulong seen = Atomic.Load((ulong*)Window);
                    if (seen != g && reports++ < MaxReportsPerVcpu)
                    {
                        Stale(0, g, seen);
                    }
                }
                generations = g;
            }
            Atomic.Exchange(s, Stop);
        }
    }

    private static void Follow(int cpu, out ulong generations, out ulong checks)
    {
        generations = 0;
        checks = 0;
        int reports = 0;
        fixed (ulong* s = &state)
        {
            while (true)
            {
                ulong now = Atomic.Load(s);
                if (now == Stop)
                {
                    break;
                }
                ulong g = now / 4, phase = now % 4;
                if (phase == 2 && Atomic.Load(acks + cpu) == g)
                {
                    generations = g;
                    ulong seen = Atomic.Load((ulong*)Window);
                    // Judged only if the check phase still held after the read: a later remap may legitimately be seen.
                    if (Atomic.Load(s) == now)
                    {
                        checks++;
                        if (seen != g && reports++ < MaxReportsPerVcpu)
                        {
                            Stale(cpu, g, seen);
                        }
                    }
                }
                else
                {
                    Cpu.Pause();
                }
            }
        }
    }

    /// <summary>The shootdown's handler on the other vCPUs: invalidate for the generation being remapped, then acknowledge.</summary>
    private static void OnShootdown(EventFrame* frame)
    {
        int cpu = Cpu.Index;
        Atomic.FetchAdd(ipis + cpu, 1);
        fixed (ulong* s = &state)
        {
            ulong now = Atomic.Load(s);
            if (now != Stop && now % 4 == 1 && Atomic.Load(acks + cpu) < now / 4)
            {
                Invalidate(now / 4);
                Atomic.Exchange(acks + cpu, now / 4);
            }
        }
    }

    /// <summary>Even generations invalidate the page (INVLPG), odd ones the whole TLB (CR3 write): both are what 4.10.4.1 allows.</summary>
    private static void Invalidate(ulong g)
    {
        if (g % 2 == 0)
        {
            Tlb.Invalidate(Window);
        }
        else
        {
            Tlb.ReloadCr3();
        }
    }

    private static bool AllAcknowledged(ulong g)
    {
        ulong deadline = Tsc.Deadline(FlushTimeoutUs);
        for (int cpu = 1; cpu < Team.Size; cpu++)
        {
            while (Atomic.Load(acks + cpu) < g)
            {
                if (Tsc.Now > deadline)
                {
                    return false;
                }
                Cpu.Pause();
            }
        }
        return true;
    }

    /// <summary>`RIG stale`: the window read <paramref name="seen"/> in generation <paramref name="g"/>, after the invalidation.</summary>
    private static void Stale(int cpu, ulong g, ulong seen)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(StaleRecord.Kind);
        line.Field(StaleRecord.Vm, vm);
        line.Field(StaleRecord.Cpu, (ulong)cpu);
        line.Field(StaleRecord.Generation, g);
        line.Field(StaleRecord.Seen, seen);
        line.TextField(StaleRecord.Invalidation, g % 2 == 0 ? "invlpg" : "cr3-write");
        Console.Write(ref line);
    }
}
