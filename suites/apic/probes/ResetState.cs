using Rig.Guest;

/// <summary>
/// apic.reset-state, guest side. Each boot dumps every LAPIC register the guest can read (xAPIC MMIO, then
/// x2APIC MSRs where the CPU has x2APIC), leaves the LAPIC dirty, and resets the machine the next way
/// (QMP system_reset, 0xCF9, 8042). The last boot also dirties an AP's LAPIC, sends that AP INIT and SIPI,
/// and lets it dump what INIT left. Each boot after a reset first dumps the IOAPIC's redirection masks, which the
/// previous boot left with two routed pins, and the 8254, 8259A and HPET state the reset left (the first boot their
/// power-on state), which the previous boot left programmed. The host judges the dumps
/// (suites/apic/Oracles/LapicResetState.cs, IoApicResetState.cs, PlatformResetState.cs).
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    private static ulong apPhase; // 0 start, 1 dirty done, 2 restarted by INIT, 3 dump done
    private static int boot;

    public static void Main()
    {
        if (!Runtime.LegacyPc)
        {
            Report.Skip(Name, "pvh-has-no-reset-or-ioapic");
            return;
        }
        boot = Runtime.BootNumber;
        PlatformDump.Print(boot > 1 ? ResetKind.Previous() : "power-on");
        if (boot > 1)
        {
            IoApicDump.Print(ResetKind.Previous());
            ApicDump.Both(ResetKind.Previous());
        }
        if (boot > ResetKind.Count)
        {
            InitOnAnAp();
            return;
        }
        IoApicDump.Dirty();
        PlatformDump.Dirty();
        DirtyLapic.Leave(boot);
        ResetKind.Perform(boot, Name);
    }

    private static void InitOnAnAp()
    {
        uint* ids = stackalloc uint[2];
        if (Acpi.ApicIds(ids, 2) < 2)
        {
            Report.Skip(Name + ".init", "single-vcpu");
            return;
        }
        fixed (ulong* phase = &apPhase)
        {
            if (Smp.StartAll(&OnAp) < 2 || !WaitFor(phase, 1))
            {
                Report.Fail(Name + ".init", "ap-did-not-start");
                return;
            }
            Smp.Restart(ids[1] == LocalApic.Id ? ids[0] : ids[1]);
            if (!WaitFor(phase, 3))
            {
                Report.Fail(Name + ".init", "ap-did-not-come-back-after-init-sipi");
            }
        }
    }

    /// <summary>First arrival: dirty this AP's LAPIC. Second, after INIT-SIPI: dump what INIT left.</summary>
    private static void OnAp(int cpu)
    {
        fixed (ulong* phase = &apPhase)
        {
            if (Atomic.Load(phase) == 0)
            {
                DirtyLapic.Leave(boot);
                Atomic.Exchange(phase, 1);
                return;
            }
            Atomic.Exchange(phase, 2);
            ApicDump.Both("init");
            Atomic.Exchange(phase, 3);
        }
    }

    private static bool WaitFor(ulong* phase, ulong value)
    {
        ulong deadline = Tsc.Deadline(Smp.ArrivalBoundUs);
        while (Atomic.Load(phase) < value && Tsc.Now < deadline)
        {
            Cpu.Pause();
        }
        return Atomic.Load(phase) >= value;
    }
}
