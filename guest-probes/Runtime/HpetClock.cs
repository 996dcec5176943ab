namespace Rig.Guest;

/// <summary>
/// The HPET's timer 0 as a periodic clock, found and programmed as an OS does (IA-PC HPET Specification 1.0a): the
/// ACPI HPET table (3.2.4) gives the block's address, GCAP_ID its period; timer 0 runs periodic in legacy replacement
/// mode, so its interrupt takes IRQ0's place on IOAPIC GSI 2 (2.3.9.2.2). Programming follows Linux's
/// hpet_clkevt_set_state_periodic: halt, Tn_VAL_SET_CNF with the first match, then the period, 32-bit accesses and
/// Tn_32MODE_CNF throughout, which every HPET implementation accepts.
/// </summary>
public static unsafe class HpetClock
{
    private const uint Gsi = 2;
    private const uint Configuration = 0x010;
    private const uint MainCounter = 0x0F0;
    private const uint Timer0Config = 0x100;
    private const uint Timer0Comparator = 0x108;
    private const uint EnableCnf = 1 << 0;
    private const uint LegacyRouteCnf = 1 << 1;
    private const uint LegacyRouteCap = 1 << 15;
    private const uint InterruptEnable = 1 << 2;
    private const uint Periodic = 1 << 3;
    private const uint PeriodicCapable = 1 << 4;
    private const uint ValueSet = 1 << 6;
    private const uint Force32 = 1 << 8;
    private const ulong MaxPeriodFs = 100_000_000; // the spec's bound on COUNTER_CLK_PERIOD (2.3.4)

    private static ulong block;

    /// <summary>Starts the clock; false with <paramref name="why"/> when it cannot run on this target.</summary>
    public static bool Start(int vector, ulong periodUs, out string why)
    {
        why = Locate();
        return why.Length == 0 && Program(vector, periodUs, out why);
    }

    private static bool Program(int vector, ulong periodUs, out string why)
    {
        why = "";
        ulong periodFs = Read(0x004);
        if (periodFs == 0 || periodFs > MaxPeriodFs)
        {
            why = "hpet-period-out-of-range";
            return false;
        }
        if ((Read(0x000) & LegacyRouteCap) == 0)
        {
            why = "hpet-no-legacy-replacement";
            return false;
        }
        if ((Read(Timer0Config) & PeriodicCapable) == 0)
        {
            why = "hpet-timer0-not-periodic";
            return false;
        }
        if (!IoApicPin.Present())
        {
            why = "no-ioapic";
            return false;
        }
        ulong ticks = periodUs * 1_000_000_000 / periodFs;
        if (ticks == 0 || ticks > 0xFFFF_FFFF)
        {
            why = "hpet-period-does-not-fit";
            return false;
        }
        Write(Configuration, 0);
        Write(MainCounter, 0);
        Write(MainCounter + 4, 0);
        IoApicPin.Route(Gsi, vector);
        Write(Timer0Config, InterruptEnable | Periodic | ValueSet | Force32);
        Write(Timer0Comparator, (uint)ticks);
        Write(Timer0Comparator, (uint)ticks);
        Write(Configuration, EnableCnf | LegacyRouteCnf);
        InterfaceUse.Mark(TargetInterface.Hpet);
        return true;
    }

    public static void Stop()
    {
        if (block == 0)
        {
            return;
        }
        Write(Configuration, 0);
        Write(Timer0Config, 0);
        IoApicPin.Mask(Gsi);
    }

    /// <summary>
    /// Empty when an HPET block answers where the ACPI table says (then <see cref="Register"/> reads it), else what is
    /// missing.
    /// </summary>
    public static string Locate()
    {
        byte* table = Acpi.FindTable('H', 'P', 'E', 'T');
        if (table == null)
        {
            return "no-acpi-hpet-table";
        }
        if (*(uint*)(table + 4) < 56 || table[40] != 0)
        {
            return "hpet-not-in-memory-space";
        }
        ulong address = *(ulong*)(table + 44);
        // The runtime maps the top GiB below 4 GiB uncached for MMIO; an HPET elsewhere is not reachable here.
        if (address < 0xC000_0000 || address > 0xFFFF_F000 || (address & 0x3FF) != 0)
        {
            return "hpet-outside-the-mmio-window";
        }
        block = address;
        return Read(0x000) == 0xFFFF_FFFF ? "hpet-block-does-not-answer" : "";
    }

    /// <summary>A 32-bit HPET register at <paramref name="offset"/> of the block <see cref="Locate"/> found (1.0a 2.3.1).</summary>
    public static uint Register(uint offset) => Read(offset);

    /// <summary>Writes a 32-bit HPET register of the block <see cref="Locate"/> found (1.0a 2.3.1).</summary>
    public static void SetRegister(uint offset, uint value) => Write(offset, value);

    private static uint Read(uint offset) => Mmio.Read32(block + offset);

    private static void Write(uint offset, uint value) => Mmio.Write32(block + offset, value);
}
