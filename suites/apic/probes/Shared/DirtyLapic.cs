using Rig.Guest;
using Rig.Suites.Apic.Records;

/// <summary>
/// Leaves this vCPU's LAPIC as a running OS leaves it when the machine resets under it: software-enabled,
/// TPR, LDR/DFR and LVTs changed, a periodic timer armed on the clock vector whose first tick is taken
/// without EOI (so it stays in service, SDM 12.8.4), and a second vector of the same class requested (held
/// in IRR by the in-service one, SDM 12.8.3.1). One `RIG dirty` record shows what the LAPIC really held:
/// a target whose LAPIC never sets ISR cannot be dirtied this way, and the host reports that.
/// </summary>
public static unsafe class DirtyLapic
{
    public const int ClockVector = 0xD1; // Windows' clock vector, as in seed 001
    public const int HeldVector = 0xD2;  // same priority class as the clock: held while it is in service

    private static ulong ticks;

    public static void Leave(int boot)
    {
        LocalApic.Enable();
        Events.Register(ClockVector, &OnClock, endOfInterrupt: false);
        LocalApic.Write(LocalApic.RegTpr, 0x10);
        if (!LocalApic.IsX2Apic)
        {
            LocalApic.Write(LocalApic.RegLdr, 0x0100_0000);
            LocalApic.Write(LocalApic.RegDfr, 0x0FFF_FFFF);
        }
        LocalApic.Write(LocalApic.RegLvtLint0, 0x700);
        LocalApic.Write(LocalApic.RegLvtError, 0xFE);
        LocalApic.StartTimer(ClockVector, 1, 100_000);
        fixed (ulong* t = &ticks)
        {
            ulong deadline = Tsc.Deadline(200_000);
            while (Atomic.Load(t) == 0 && Tsc.Now < deadline)
            {
                Cpu.Pause();
            }
            LocalApic.SendSelfIpi(HeldVector);
            Tsc.Wait(2_000);
            Line line = default;
            line.Text("RIG ");
            line.Text(DirtyRecord.Kind);
            line.Field(DirtyRecord.Boot, (ulong)boot);
            line.Field(DirtyRecord.Cpu, (ulong)Cpu.Index);
            line.HexField(DirtyRecord.Id, LocalApic.Id);
            line.HexField(DirtyRecord.Ver, LocalApic.Read(LocalApic.RegVersion));
            line.HexField(DirtyRecord.Ppr, LocalApic.Read(LocalApic.RegPpr));
            line.Field(DirtyRecord.Ticks, Atomic.Load(t));
            LocalApic.VectorField(ref line, DirtyRecord.Isr, LocalApic.RegIsr);
            LocalApic.VectorField(ref line, DirtyRecord.Irr, LocalApic.RegIrr);
            Console.Write(ref line);
        }
    }

    /// <summary>Never EOIs: the clock vector stays in service, and later ticks wait in IRR behind it.</summary>
    private static void OnClock(EventFrame* frame)
    {
        fixed (ulong* t = &ticks)
        {
            Atomic.FetchAdd(t, 1);
        }
    }
}
