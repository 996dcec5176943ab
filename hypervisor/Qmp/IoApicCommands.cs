using Rig.Hypervisor.Irq;

namespace Rig.Hypervisor.Qmp;

/// <summary>
/// A level source the rig controls, for apic.io-apic: x-rig-ioapic-set-irq pins=MASK level=BOOL drives the IOAPIC
/// inputs whose bits are set in MASK (bit n: GSI n) to the given logical level, all under one command so several
/// rising edges arrive together. The pins are the IOAPIC's inputs as a device's line would drive them (82093AA 3.2.4);
/// a pin a device of the VM also drives (the PIT's GSI 2) is refused, since the two would fight over its level.
/// </summary>
internal static class IoApicCommands
{
    private const int PitGsi = 2;

    public static (string Name, IReadOnlyList<QmpParameter> Parameters, Func<QmpArguments, object?> Run) SetIrq(Func<IoApic?> ioApic) =>
        ("x-rig-ioapic-set-irq", [new("pins", QmpArgumentType.Integer), new("level", QmpArgumentType.Boolean)],
            a => Set(ioApic() ?? throw QmpError.Generic("this VM has no user-space IOAPIC (in-kernel irqchip or xen-pvh machine)"),
                a.Integer("pins"), a.Boolean("level")));

    private static Dictionary<string, object?> Set(IoApic ioApic, ulong pins, bool level)
    {
        if (pins == 0 || pins >> IoApic.Pins != 0 || (pins & (1UL << PitGsi)) != 0)
        {
            throw QmpError.Generic($"pins={pins:#x}: a non-empty mask of GSIs 0..{IoApic.Pins - 1} without the PIT's GSI {PitGsi}");
        }

        for (int gsi = 0; gsi < IoApic.Pins; gsi++)
        {
            if ((pins & (1UL << gsi)) != 0)
            {
                ioApic.SetIrq(gsi, level);
            }
        }

        return [];
    }
}
