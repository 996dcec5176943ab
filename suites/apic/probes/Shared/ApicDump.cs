using Rig.Guest;

/// <summary>
/// One `RIG lapic` record per mode with every register the guest can read, as LapicResetState expects
/// (suites/apic/Oracles). It reads the unit as the reset left it: no software enable, no SVR write. ESR is
/// written with 0 before it is read (SDM 12.5.3: the write latches the errors since the last write).
/// </summary>
public static unsafe class ApicDump
{
    /// <summary>xAPIC first (the reset state is xAPIC mode), then x2APIC where the CPU has it.</summary>
    public static void Both(string after)
    {
        Msr.TryRead(LocalApic.BaseMsr, out ulong apicBase);
        LocalApic.Attach();
        One(after, "xapic", apicBase);
        if (LocalApic.X2ApicSupported && LocalApic.SwitchToX2Apic())
        {
            One(after, "x2apic", apicBase);
        }
    }

    private static void One(string after, string mode, ulong apicBase)
    {
        bool x2 = LocalApic.IsX2Apic;
        LocalApic.Write(LocalApic.RegEsr, 0);
        Line line = default;
        line.Text("RIG lapic");
        line.TextField("after", after);
        line.TextField("mode", mode);
        line.Field("cpu", (ulong)Cpu.Index);
        line.HexField("id", LocalApic.Id);
        line.HexField("ver", LocalApic.Read(LocalApic.RegVersion));
        line.HexField("tpr", LocalApic.Read(LocalApic.RegTpr));
        line.HexField("ppr", LocalApic.Read(LocalApic.RegPpr));
        line.HexField("ldr", LocalApic.Read(LocalApic.RegLdr));
        if (!x2)
        {
            line.HexField("dfr", LocalApic.Read(LocalApic.RegDfr));
        }
        line.HexField("svr", LocalApic.Read(LocalApic.RegSvr));
        LocalApic.VectorField(ref line, "isr", LocalApic.RegIsr);
        LocalApic.VectorField(ref line, "tmr", LocalApic.RegTmr);
        LocalApic.VectorField(ref line, "irr", LocalApic.RegIrr);
        line.HexField("esr", LocalApic.Read(LocalApic.RegEsr));
        line.HexField("icr", LocalApic.ReadIcr());
        line.HexField("lvt_timer", LocalApic.Read(LocalApic.RegLvtTimer));
        line.HexField("lvt_thermal", LocalApic.Read(LocalApic.RegLvtThermal));
        line.HexField("lvt_pmc", LocalApic.Read(LocalApic.RegLvtPmc));
        line.HexField("lvt_lint0", LocalApic.Read(LocalApic.RegLvtLint0));
        line.HexField("lvt_lint1", LocalApic.Read(LocalApic.RegLvtLint1));
        line.HexField("lvt_error", LocalApic.Read(LocalApic.RegLvtError));
        line.HexField("tmict", LocalApic.Read(LocalApic.RegTimerInitial));
        line.HexField("tmcct", LocalApic.Read(LocalApic.RegTimerCurrent));
        line.HexField("tdcr", LocalApic.Read(LocalApic.RegTimerDivide));
        line.HexField("apicbase", apicBase);
        Console.Write(ref line);
    }
}
