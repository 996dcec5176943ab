using Rig.Guest;

/// <summary>
/// What a reset left in the IOAPIC, read before anything reprograms it: one <c>RIG ioapic after=&lt;reset&gt;
/// present=0|1 entries=N unmasked=&lt;bitmap of entries whose mask bit is clear&gt;</c> record. Before a reset the probe
/// routes two pins no device drives (<see cref="Dirty"/>), so an IOAPIC that keeps its routes shows them unmasked.
/// </summary>
public static class IoApicDump
{
    private const int DirtyVector = 0x71;

    public static void Print(string after)
    {
        Line line = default;
        line.Text("RIG ioapic");
        line.TextField("after", after);
        bool present = IoApicPin.Present();
        line.Field("present", present ? 1UL : 0UL);
        if (present)
        {
            uint entries = IoApicPin.Entries();
            ulong unmasked = 0;
            for (uint gsi = 0; gsi < entries && gsi < 64; gsi++)
            {
                if ((IoApicPin.Entry(gsi) & 1u << 16) == 0)
                {
                    unmasked |= 1UL << (int)gsi;
                }
            }
            line.Field("entries", entries);
            line.HexField("unmasked", unmasked);
        }
        Console.Write(ref line);
    }

    /// <summary>Routes the two highest pins, unmasked, edge (no device drives them, so they never deliver), and shows it: <c>after=dirty</c>.</summary>
    public static void Dirty()
    {
        if (IoApicPin.Present())
        {
            uint last = IoApicPin.Entries() - 1;
            IoApicPin.Route(last, DirtyVector);
            IoApicPin.Route(last - 1, DirtyVector);
            Print("dirty");
        }
    }
}
