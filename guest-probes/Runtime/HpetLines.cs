namespace Rig.Guest;

/// <summary>
/// HPET timers as interrupt lines the guest raises and lowers itself (IA-PC HPET Specification 1.0a). A timer in level
/// mode (Tn_INT_TYPE_CNF = 1, 2.3.9.1) asserts its line when the main counter reaches its comparator and holds it until
/// software writes 1 to the timer's bit of GENERAL_INT_STATUS (2.3.6); with legacy replacement off the line is the
/// IOAPIC pin its Tn_INT_ROUTE_CNF names, one its Tn_INT_ROUTE_CAP allows (2.3.9.1). A level-triggered IOAPIC entry so
/// sees a line that stays asserted until the guest lowers it, an edge-triggered one a single rising edge.
/// </summary>
public static unsafe class HpetLines
{
    private const uint Capabilities = 0x000;
    private const uint Configuration = 0x010;
    private const uint InterruptStatus = 0x020;
    private const uint MainCounter = 0x0F0;
    private const uint TimerBlock = 0x100;
    private const uint TimerStride = 0x20;
    private const uint EnableCnf = 1 << 0;
    private const uint LevelType = 1 << 1;
    private const uint InterruptEnable = 1 << 2;
    private const uint Force32 = 1 << 8;
    private const int RouteShift = 9;

    /// <summary>Pins below 16 are the ISA IRQs, which other devices drive; a line of its own starts above them.</summary>
    private const int FirstOwnPin = 16;

    /// <summary>The longest a raised line may take to show in GENERAL_INT_STATUS (TSC time), however loaded the host.</summary>
    private const ulong RaiseBoundUs = 1_000_000;

    private static uint* pins;
    private static int count;

    /// <summary>
    /// Finds the HPET and gives timers 0 to <paramref name="lines"/>-1 an IOAPIC pin each, distinct and from 16 up, with
    /// the counter running; false with <paramref name="why"/> when the target has no HPET or too few routable timers.
    /// </summary>
    public static bool Prepare(int lines, out string why)
    {
        why = HpetClock.Locate();
        if (why.Length != 0)
        {
            return false;
        }
        if ((int)(HpetClock.Register(Capabilities) >> 8 & 0x1F) + 1 < lines)
        {
            why = "hpet-too-few-timers";
            return false;
        }
        pins = (uint*)Heap.Allocate((ulong)lines * 4);
        uint taken = 0;
        for (int n = 0; n < lines; n++)
        {
            uint free = HpetClock.Register(TimerConfig(n) + 4) & ~taken & ~((1u << FirstOwnPin) - 1);
            if (free == 0)
            {
                why = "hpet-route-cap-lacks-own-pins";
                return false;
            }
            uint pin = 31;
            while ((free & (1u << (int)pin)) == 0)
            {
                pin--;
            }
            pins[n] = pin;
            taken |= 1u << (int)pins[n];
        }
        count = lines;
        Stop();
        InterfaceUse.Mark(TargetInterface.Hpet);
        return true;
    }

    /// <summary>The IOAPIC pin timer <paramref name="line"/> drives.</summary>
    public static uint Pin(int line) => pins[line];

    /// <summary>
    /// Asserts the lines of <paramref name="mask"/> (bit n: timer n) together: the counter is halted while their
    /// comparators are set to its next tick, so they all match on the same one (2.3.8); false if a line did not assert.
    /// </summary>
    public static bool Raise(uint mask)
    {
        HpetClock.SetRegister(Configuration, 0);
        uint match = HpetClock.Register(MainCounter) + 1;
        for (int n = 0; n < count; n++)
        {
            if ((mask & (1u << n)) != 0)
            {
                HpetClock.SetRegister(TimerConfig(n), LevelType | InterruptEnable | Force32 | (pins[n] << RouteShift));
                HpetClock.SetRegister(TimerConfig(n) + 8, match);
            }
        }
        HpetClock.SetRegister(Configuration, EnableCnf);
        ulong stop = Tsc.Deadline(RaiseBoundUs);
        while ((HpetClock.Register(InterruptStatus) & mask) != mask)
        {
            if (Tsc.Now > stop)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Lowers the lines of <paramref name="mask"/>: 1 written to their status bits (2.3.6), then their interrupts off.</summary>
    public static void Lower(uint mask)
    {
        HpetClock.SetRegister(InterruptStatus, mask);
        for (int n = 0; n < count; n++)
        {
            if ((mask & (1u << n)) != 0)
            {
                HpetClock.SetRegister(TimerConfig(n), LevelType | Force32 | (pins[n] << RouteShift));
            }
        }
    }

    /// <summary>Every line lowered, every timer's interrupt off, the counter running (2.3.5).</summary>
    public static void Stop()
    {
        Lower((1u << count) - 1);
        HpetClock.SetRegister(Configuration, EnableCnf);
    }

    private static uint TimerConfig(int n) => TimerBlock + (TimerStride * (uint)n);
}
