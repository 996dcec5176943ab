using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Tests.Irq;

/// <summary>
/// LAPICs on one bus with a fake clock and a timer queue without its thread: a test moves the clock and calls
/// <see cref="AdvanceAndRunTimers"/>, so expiries happen at exact virtual times.
/// </summary>
internal sealed class IrqTestMachine : IDisposable
{
    public const ulong Svr = 0xF0;
    public const ulong Eoi = 0xB0;
    public const ulong Tpr = 0x80;
    public const ulong Ppr = 0xA0;
    public const ulong Esr = 0x280;
    public const ulong IcrLow = 0x300;
    public const ulong IcrHigh = 0x310;
    public const ulong LvtTimer = 0x320;
    public const ulong LvtLint0 = 0x350;
    public const ulong LvtLint1 = 0x360;
    public const ulong LvtError = 0x370;
    public const ulong InitialCount = 0x380;
    public const ulong CurrentCount = 0x390;
    public const ulong Divide = 0x3E0;

    public IrqTestMachine(int cpus = 1, DefectSet? defects = null)
    {
        Timers = new TimerQueue(Clock, background: false);
        for (int i = 0; i < cpus; i++)
        {
            Doorbells.Add(new CountingDoorbell());
            Lapics.Add(new Lapic(i, Clock, Doorbells[i], Bus, Timers, defects ?? DefectSet.None));
        }
    }

    public FakeGuestClock Clock { get; } = new();

    public ApicBus Bus { get; } = new();

    public TimerQueue Timers { get; }

    public List<Lapic> Lapics { get; } = [];

    public List<CountingDoorbell> Doorbells { get; } = [];

    public Lapic Bsp => Lapics[0];

    public static uint Read(Lapic lapic, ulong offset) => (uint)lapic.ReadMmio(offset, 4);

    public static void Write(Lapic lapic, ulong offset, uint value) => lapic.WriteMmio(offset, 4, value);

    /// <summary>Software-enables the APIC with spurious vector 0xFF (SDM 12.4.7.2).</summary>
    public static void SoftwareEnable(Lapic lapic) => Write(lapic, Svr, 0x1FF);

    public static bool IsSet(Lapic lapic, ulong firstRegister, int vector) =>
        (Read(lapic, firstRegister + ((ulong)(vector / 32) * 0x10)) & (1u << (vector % 32))) != 0;

    public static bool InIrr(Lapic lapic, int vector) => IsSet(lapic, 0x200, vector);

    public static bool InIsr(Lapic lapic, int vector) => IsSet(lapic, 0x100, vector);

    /// <summary>A fixed, edge-triggered IPI through the xAPIC ICR to the physical destination.</summary>
    public static void SendFixed(Lapic from, uint destination, byte vector)
    {
        Write(from, IcrHigh, destination << 24);
        Write(from, IcrLow, vector);
    }

    public int AdvanceAndRunTimers(long ns)
    {
        Clock.Advance(ns);
        return Timers.RunDue();
    }

    public void Dispose() => Timers.Dispose();
}
