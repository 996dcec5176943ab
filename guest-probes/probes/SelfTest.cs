using Rig.Guest;

/// <summary>
/// Proves the runtime on a target: deliberate exceptions come back as expected vectors, the LAPIC timer fires
/// in each mode the CPU offers (xAPIC and x2APIC), an NMI self-IPI reaches vector 2, every vCPU of the MADT
/// checks in and meets at a barrier, kvmclock reads where present. One `RIG ok|fail|skip selftest.<check>` each.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const int TimerVector = 0x40;
    private const ulong WaitUs = 200_000;

    // How long a missing NMI is waited for after its check failed, to tell late from lost.
    private const ulong LateNmiUs = 5_000_000;

    // A timer wait's hard stop in TSC time, for a vCPU that hardly runs at all.
    private const ulong GiveUpUs = 20_000_000;

    private static ulong* counters; // [0] timer ticks, [1] TSC of the first tick, [2] NMIs
    private static Barrier* everyone;

    public static void Main()
    {
        counters = (ulong*)Heap.Allocate(64);
        Line io = default;
        io.Text("port-io at CPL3 with IOPL=3:");
        io.Field("direct", Ports.Direct ? 1UL : 0UL);
        io.Field("fault_vector", Ports.IoplFaultVector);
        Hypervisor.Describe(ref io);
        Console.Write(ref io);
        CpuidPaths();
        AcpiPath();

        Expect(Name + ".exception.ud", Faults.InvalidOpcode(), 6);
        Expect(Name + ".exception.de", Faults.DivideByZero(), 0);
        Expect(Name + ".exception.bp", Faults.Breakpoint(), 3);
        Line tsc = default;
        tsc.Text("RIG metric selftest.tsc");
        tsc.Field("tsc_hz", Tsc.Hz);
        tsc.TextField("unit", "hz");
        tsc.TextField("source", Tsc.Source);
        Console.Write(ref tsc);

        if (!LocalApic.Enable())
        {
            Report.Fail(Name + ".apic", "apic-base-msr-unusable");
            return;
        }
        Events.Register(TimerVector, &OnTimer);
        Events.Register(2, &OnNmi);
        Timers(Name + ".timer.oneshot.xapic", Name + ".timer.periodic.xapic", Name + ".timer.tsc-deadline.xapic");
        Nmi();
        CheckIn();
        if (LocalApic.EnableX2Apic())
        {
            Timers(Name + ".timer.oneshot.x2apic", Name + ".timer.periodic.x2apic", Name + ".timer.tsc-deadline.x2apic");
        }
        else
        {
            Report.Skip(Name + ".timer.x2apic", AbsenceReason.NoX2Apic);
        }
        PvClockCheck();
        ControlChannel();
        Costs();
    }

    /// <summary>
    /// Logs what CPUID answers at CPL0 (the gate, the target's leaves) and at CPL3 (under kvm_pvm on AMD, the host's)
    /// for the leaves probes depend on: features, the hypervisor range and KVM's features, Xen's range, extended features.
    /// </summary>
    private static void CpuidPaths()
    {
        CpuidPath(0x1);
        CpuidPath(0x40000000);
        CpuidPath(0x40000001);
        CpuidPath(0x40000100);
        CpuidPath(0x80000001);
    }

    private static void CpuidPath(uint leaf)
    {
        Line line = default;
        line.Text("cpuid");
        line.HexField("leaf", leaf);
        Registers(ref line, "cpl0", Cpu.Cpuid(leaf));
        Registers(ref line, "cpl3", Cpu.CpuidAtCpl3(leaf));
        Console.Write(ref line);
    }

    /// <summary>
    /// Logs where the ACPI tables were found (hvm_start_info's rsdp_paddr, else the BIOS area scan) and what the MADT
    /// holds: the vCPU count every SMP check starts from. A Xen HVM guest's come from hvmloader through SeaBIOS, and
    /// the runtime counted 1 CPU there with 4 vCPUs configured.
    /// </summary>
    private static void AcpiPath()
    {
        byte* rsdp = Acpi.FindRsdp();
        byte* madt = Acpi.FindTable('A', 'P', 'I', 'C');
        uint* ids = stackalloc uint[64];
        Line line = default;
        line.Text("acpi");
        line.HexField("start_info_rsdp", Runtime.StartInfo != null ? Runtime.StartInfo->RsdpPaddr : 0);
        line.HexField("rsdp", (ulong)rsdp);
        if (rsdp != null)
        {
            line.Field("revision", rsdp[15]);
            line.HexField("rsdt", *(uint*)(rsdp + 16));
            line.HexField("xsdt", rsdp[15] >= 2 ? *(ulong*)(rsdp + 24) : 0);
        }
        line.HexField("madt", (ulong)madt);
        if (madt != null)
        {
            line.Field("madt_length", *(uint*)(madt + 4));
            line.HexField("oem", *(ulong*)(madt + 10) & 0xFFFF_FFFF_FFFF);
        }
        line.Field("enabled", (ulong)Acpi.ApicIds(ids, 64));
        Console.Write(ref line);
    }

    private static void Registers(ref Line line, string key, Cpu.CpuidResult r)
    {
        line.HexField(key, r.Eax);
        line.Byte((byte)',');
        line.Hex(r.Ebx);
        line.Byte((byte)',');
        line.Hex(r.Ecx);
        line.Byte((byte)',');
        line.Hex(r.Edx);
    }

    /// <summary>With `control=1` on the command line the host answers on COM2: ask for its clock.</summary>
    private static void ControlChannel()
    {
        if (!CommandLine.Is("control", "1"))
        {
            Report.Skip(Name + ".control", "no-control-channel");
            return;
        }
        Acknowledgement ack = Control.Request(HostAction.HostTime, Control.AnswerBoundUs);
        bool hasTime = Control.TryGetAckNumber(HostAction.MonoRawNs, out ulong hostNs);
        Line line = Report.Start(ack == Acknowledgement.Ok && hasTime ? Verdict.Ok : Verdict.Fail, Name + ".control");
        line.TextField("ack", ack == Acknowledgement.Ok ? "ok" : ack == Acknowledgement.Error ? "err" : "timeout");
        line.Field("host_ns", hostNs);
        Report.Emit(ref line);
    }

    /// <summary>What the runtime's primitives cost here, the minimum of 16 tries each (TSC cycles).</summary>
    private static void Costs()
    {
        ulong rdtsc = 0xFFFF_FFFF_FFFF_FFFF, gate = 0xFFFF_FFFF_FFFF_FFFF, fault = 0xFFFF_FFFF_FFFF_FFFF, port = 0xFFFF_FFFF_FFFF_FFFF;
        ulong cpuid = 0xFFFF_FFFF_FFFF_FFFF;
        for (int i = 0; i < 16; i++)
        {
            ulong t0 = Tsc.Now;
            ulong t1 = Tsc.Now;
            Msr.TryRead(LocalApic.BaseMsr, out ulong _);
            ulong t2 = Tsc.Now;
            Faults.InvalidOpcode();
            ulong t3 = Tsc.Now;
            Ports.In8(0x3FD);
            ulong t4 = Tsc.Now;
            Cpu.Cpuid(1);
            ulong t5 = Tsc.Now;
            rdtsc = Min(rdtsc, t1 - t0);
            gate = Min(gate, t2 - t1);
            fault = Min(fault, t3 - t2);
            port = Min(port, t4 - t3);
            cpuid = Min(cpuid, t5 - t4);
        }
        Report.Metric(Name + ".cost", "rdtsc_cycles", rdtsc, "cycles");
        Report.Metric(Name + ".cost", "gate_rdmsr_cycles", gate, "cycles");
        Report.Metric(Name + ".cost", "gate_cpuid_cycles", cpuid, "cycles");
        Report.Metric(Name + ".cost", "ud2_roundtrip_cycles", fault, "cycles");
        Report.Metric(Name + ".cost", Ports.Direct ? "port_in_direct_cycles" : "port_in_gate_cycles", port, "cycles");
    }

    private static ulong Min(ulong a, ulong b) => a < b ? a : b;

    private static void Expect(string check, ulong vector, ulong expected)
    {
        Line line = Report.Start(vector == expected ? Verdict.Ok : Verdict.Fail, check);
        line.Field("expected", expected);
        line.SignedField("vector", vector == Faults.None ? -1 : (long)vector);
        Report.Emit(ref line);
    }

    private static void OnTimer(EventFrame* frame)
    {
        Atomic.CompareExchange(&counters[1], 0, Tsc.Now);
        Atomic.FetchAdd(&counters[0], 1);
    }

    private static void OnNmi(EventFrame* frame) => Atomic.FetchAdd(&counters[2], 1);

    private static void Timers(string oneShot, string periodic, string tscDeadline)
    {
        Timer(oneShot, 0, 1);
        Timer(periodic, 1, 3);
        if (LocalApic.TscDeadlineSupported)
        {
            Timer(tscDeadline, 2, 1);
        }
        else
        {
            Report.Skip(tscDeadline, AbsenceReason.NoTscDeadline);
        }
    }

    /// <summary>
    /// Arms the timer for 100 µs (1 ms period) and waits for <paramref name="ticks"/> deliveries, for at most
    /// <see cref="WaitUs"/> of the vCPU's own run time: a vCPU the host deschedules (RunWatch sees the gaps) keeps
    /// its whole window, so a loaded host cannot make a working timer look dead.
    /// </summary>
    private static void Timer(string check, uint mode, ulong ticks)
    {
        Atomic.Exchange(&counters[0], 0);
        Atomic.Exchange(&counters[1], 0);
        ulong start = Tsc.Now;
        RunWatch watch = default;
        watch.Start(start);
        if (mode == 2)
        {
            LocalApic.StartTscDeadline(TimerVector, start + Tsc.Cycles(100));
        }
        else
        {
            // The APIC timer clock is not architecturally tied to the TSC; 1,000,000 counts is ≤ 1 ms on any target seen.
            LocalApic.StartTimer(TimerVector, mode, mode == 1 ? 1_000_000u : 100_000u);
        }
        while (Atomic.Load(&counters[0]) < ticks && watch.RanUs < WaitUs && watch.Since(watch.Last) < GiveUpUs)
        {
            watch.Step();
        }
        LocalApic.StopTimer();
        ulong got = Atomic.Load(&counters[0]);
        Line line = Report.Start(got >= ticks ? Verdict.Ok : Verdict.Fail, check);
        line.Field("ticks", got);
        line.Field("first_tick_us", got == 0 ? 0 : Tsc.Microseconds(Atomic.Load(&counters[1]) - start));
        line.Field("ran_us", watch.RanUs);
        line.Field("stolen_us", Tsc.Microseconds(watch.StolenCycles));
        Report.Emit(ref line);
    }

    /// <summary>
    /// An NMI IPI to the vCPU's own APIC ID must arrive within <see cref="WaitUs"/>. When it has not, the check still
    /// fails, and the wait goes on to <see cref="LateNmiUs"/> to tell a late NMI from a lost one (`late_us`, 0 = none),
    /// with the ICR as it reads after the send (delivery status, SDM 12.6.1) as evidence.
    /// </summary>
    private static void Nmi()
    {
        ulong before = Atomic.Load(&counters[2]);
        ulong sent = Tsc.Now;
        LocalApic.SendIpi(LocalApic.Id, LocalApic.DeliveryNmi);
        ulong icr = LocalApic.ReadIcr();
        ulong deadline = Tsc.Deadline(WaitUs);
        while (Atomic.Load(&counters[2]) == before && Tsc.Now < deadline)
        {
            Cpu.Pause();
        }
        ulong delivered = Atomic.Load(&counters[2]) - before;
        Line line = Report.Start(delivered == 1 ? Verdict.Ok : Verdict.Fail, Name + ".nmi-self-ipi");
        line.Field("delivered", delivered);
        line.Field("nmi_at_cpl0", Runtime.NmisAtCpl0);
        if (delivered == 0)
        {
            ulong giveUp = sent + Tsc.Cycles(LateNmiUs);
            while (Atomic.Load(&counters[2]) == before && Tsc.Now < giveUp)
            {
                Cpu.Pause();
            }
            line.Field("late_us", Atomic.Load(&counters[2]) == before ? 0 : Tsc.Microseconds(Tsc.Now - sent));
            line.Field("late_nmi_at_cpl0", Runtime.NmisAtCpl0);
            line.HexField("icr", icr);
            line.Field("apic_id", LocalApic.Id);
            line.Field("held_mode", HeldEvents.Mode(0, 2));
            line.Field("held_log", HeldEvents.Count(0));
        }
        Report.Emit(ref line);
    }

    private static void CheckIn()
    {
        int expected = Acpi.CpuCount();
        if (expected < 2)
        {
            Report.Skip(Name + ".smp", "single-vcpu");
            return;
        }
        everyone = Barrier.Create(expected);
        int online = Smp.StartAll(&ApWork);
        bool met = online == expected && Barrier.Wait(everyone, Smp.ArrivalBoundUs);
        Line line = Report.Start(met ? Verdict.Ok : Verdict.Fail, Name + ".smp");
        line.Field("expected", (ulong)expected);
        line.Field("online", (ulong)online);
        line.Field("barrier", met ? 1UL : 0UL);
        Report.Emit(ref line);
    }

    private static void ApWork(int cpu) => Barrier.Wait(everyone, 2_000_000);

    private static void PvClockCheck()
    {
        if (!PvClock.Enable())
        {
            Report.Skip(Name + ".pvclock", AbsenceReason.NoKvmclock);
            return;
        }
        PvClockTimeInfo first = PvClock.Snapshot();
        ulong t0 = PvClock.Nanoseconds(Tsc.Now, first);
        Tsc.Wait(1000);
        ulong t1 = PvClock.Nanoseconds(Tsc.Now, PvClock.Snapshot());
        Line line = Report.Start(t1 > t0 ? Verdict.Ok : Verdict.Fail, Name + ".pvclock");
        line.Field("version", first.Version);
        line.Field("elapsed_ns", t1 > t0 ? t1 - t0 : 0);
        line.Field("tsc_hz", PvClock.TscHz());
        Report.Emit(ref line);
    }
}
