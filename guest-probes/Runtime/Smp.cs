namespace Rig.Guest;

/// <summary>
/// Starts the other vCPUs listed in the MADT with INIT-SIPI-SIPI (SDM 10.4.4 / 11.4.4 "MP Initialization
/// Example"): the 16-bit start code is copied to a page below 1 MiB, each AP runs the stub's CPL0 setup
/// (its own TSS, kernel and IST stacks, CPL3 stack chosen by arrival order) and then calls the work function
/// given here at CPL3. An AP that returns from its work parks in a PAUSE loop.
/// </summary>
public static unsafe class Smp
{
    private static ulong apsOnline;
    private static delegate*<int, void> apWork;

    /// <summary>vCPUs running C#, the BSP included.</summary>
    public static int Online
    {
        get
        {
            fixed (ulong* n = &apsOnline)
            {
                return 1 + (int)Atomic.Load(n);
            }
        }
    }

    /// <summary>
    /// How long a probe waits for another vCPU to arrive (online, at a barrier, at a phase) before it calls that vCPU
    /// missing. Nothing in the SDM bounds how soon a hypervisor runs an AP; a loaded host keeps a vCPU thread off every
    /// CPU for seconds (apic.reset-state's 2 s wait failed "ap-did-not-start" on the reference at load 90-150, three
    /// times in session 5), so this is a hang detector, never a latency judged. Waits end as soon as the vCPU arrives.
    /// </summary>
    public const ulong ArrivalBoundUs = 30_000_000;

    /// <summary>Starts every other enabled processor of the MADT; returns how many vCPUs run (BSP included) when all arrived or <see cref="ArrivalBoundUs"/> passed.</summary>
    public static int StartAll(delegate*<int, void> work)
    {
        uint* ids = stackalloc uint[64];
        int count = Acpi.ApicIds(ids, 64);
        BootInfo* boot = Runtime.Boot;
        if (count > (int)boot->MaxCpus)
        {
            count = (int)boot->MaxCpus;
        }
        if (count <= 1 || !LocalApic.Enable())
        {
            return 1;
        }
        apWork = work;
        byte* template = (byte*)boot->Ap16Template;
        byte* page = (byte*)boot->ApStartPage;
        for (ulong i = 0; i < boot->Ap16Length; i++)
        {
            page[i] = template[i];
        }
        uint self = LocalApic.Id;
        for (int i = 0; i < count; i++)
        {
            if (ids[i] != self)
            {
                Wake(ids[i]);
            }
        }
        ulong deadline = Tsc.Deadline(ArrivalBoundUs);
        while (Online < count && Tsc.Now < deadline)
        {
            Cpu.Pause();
        }
        return Online;
    }

    /// <summary>
    /// INIT, then SIPI to one AP that already runs: it restarts from the start page and calls the work function
    /// again (SDM 12.4.7.3: INIT resets the processor and its LAPIC, keeping the APIC ID and base).
    /// </summary>
    public static void Restart(uint apicId)
    {
        fixed (ulong* n = &apsOnline)
        {
            Atomic.FetchAdd(n, 0xFFFF_FFFF_FFFF_FFFFUL); // minus one: the AP counts itself again when it arrives
        }
        Wake(apicId);
    }

    /// <summary>INIT-SIPI-SIPI (SDM 10.4.4.1 / 11.4.4.1, "Typical BSP Initialization Sequence").</summary>
    private static void Wake(uint apicId)
    {
        uint vector = (uint)(Runtime.Boot->ApStartPage >> 12);
        LocalApic.SendIpi(apicId, LocalApic.DeliveryInit | LocalApic.LevelAssert);
        Tsc.Wait(10_000);
        LocalApic.SendIpi(apicId, LocalApic.DeliveryStartup | vector);
        Tsc.Wait(200);
        LocalApic.SendIpi(apicId, LocalApic.DeliveryStartup | vector);
    }

    internal static void ApEntry(int cpu)
    {
        fixed (ulong* n = &apsOnline)
        {
            Atomic.FetchAdd(n, 1);
        }
        if (apWork != null)
        {
            apWork(cpu);
        }
    }
}
