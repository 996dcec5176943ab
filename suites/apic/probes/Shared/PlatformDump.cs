using Rig.Guest;

/// <summary>
/// The legacy platform's reset state, as the runtime read it before programming anything (PlatformAtBoot: 8254 status
/// bytes, both 8259As) and the HPET read live (nothing touches it before this): <c>RIG pit</c>, <c>RIG pic</c> and
/// <c>RIG hpet</c> records, <c>after=power-on</c> on the first boot, else named by the reset. Before each reset
/// <see cref="Dirty"/> leaves every one of them as a running OS would; PlatformResetState (suites/apic/Oracles) judges.
/// </summary>
public static class PlatformDump
{
    private const int HpetTimersShown = 3;
    private const ulong HpetRunUs = 1_000;

    public static void Print(string after)
    {
        Line pit = Start("RIG pit", after);
        pit.HexField("status0", PlatformAtBoot.PitStatus0);
        pit.HexField("status1", PlatformAtBoot.PitStatus1);
        pit.HexField("status2", PlatformAtBoot.PitStatus2);
        Console.Write(ref pit);

        Line pic = Start("RIG pic", after);
        pic.HexField("master_imr", PlatformAtBoot.MasterImr);
        pic.HexField("master_irr", PlatformAtBoot.MasterIrr);
        pic.HexField("master_isr", PlatformAtBoot.MasterIsr);
        pic.HexField("slave_imr", PlatformAtBoot.SlaveImr);
        pic.HexField("slave_irr", PlatformAtBoot.SlaveIrr);
        pic.HexField("slave_isr", PlatformAtBoot.SlaveIsr);
        pic.Field("took_mask", PlatformAtBoot.PicTookMask ? 1UL : 0UL);
        Console.Write(ref pic);

        Line hpet = Start("RIG hpet", after);
        string why = HpetClock.Locate();
        hpet.Field("present", why.Length == 0 ? 1UL : 0UL);
        if (why.Length != 0)
        {
            hpet.TextField("why", why);
        }
        else
        {
            uint first = HpetClock.Register(0x0F0);
            Tsc.Wait(HpetRunUs);
            hpet.Field("running", HpetClock.Register(0x0F0) != first ? 1UL : 0UL);
            hpet.HexField("config", HpetClock.Register(0x010));
            uint timers = (HpetClock.Register(0x000) >> 8 & 0x1F) + 1;
            for (uint n = 0; n < timers && n < HpetTimersShown; n++)
            {
                hpet.HexField(n == 0 ? "t0_config" : n == 1 ? "t1_config" : "t2_config", HpetClock.Register(0x100 + 0x20 * n));
                hpet.HexField(n == 0 ? "t0_comparator" : n == 1 ? "t1_comparator" : "t2_comparator",
                    (ulong)HpetClock.Register(0x10C + 0x20 * n) << 32 | HpetClock.Register(0x108 + 0x20 * n));
            }
        }
        Console.Write(ref hpet);
    }

    /// <summary>
    /// The 8254's counter 0 in mode 2 and counter 2 in mode 4 with counts loaded, the slave 8259A left inside its
    /// initialization (ICW1 and ICW2 written, ICW3 awaited), and the HPET running with timer 0 armed periodic and its
    /// interrupt enabled (its IOAPIC pin masked again, so nothing is delivered).
    /// </summary>
    public static void Dirty()
    {
        Ports.Out8(0x43, 0x34);
        Ports.Out8(0x40, 0x34);
        Ports.Out8(0x40, 0x12);
        Ports.Out8(0x43, 0xB8);
        Ports.Out8(0x42, 0x78);
        Ports.Out8(0x42, 0x56);
        Ports.Out8(0xA0, 0x11);
        Ports.Out8(0xA1, 0x28);
        if (HpetClock.Start(0x72, 1_000, out _))
        {
            IoApicPin.Mask(2);
        }
    }

    private static Line Start(string kind, string after)
    {
        Line line = default;
        line.Text(kind);
        line.TextField("after", after);
        return line;
    }
}
