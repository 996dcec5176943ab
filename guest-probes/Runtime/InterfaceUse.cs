namespace Rig.Guest;

/// <summary>
/// Which of the target's interfaces this boot used, printed once when the probe's Main returns:
/// <c>RIG iface seen=xapic+kvmclock+…</c> (or <c>none</c>). Marking is one atomic OR, never output, so a timing loop
/// that marks is not disturbed; the rig's report reads the stored line per case and target ("Interfaces seen per
/// target", rig/Rig.Core/Report/InterfacesSection.cs) beside the skip reasons that name the absent ones. Only what a
/// probe really set up is marked (a register written, a clock enabled), not what CPUID merely offers.
/// </summary>
public static unsafe class InterfaceUse
{
    private static ulong seen;

    public static void Mark(TargetInterface which)
    {
        ulong bit = 1UL << (int)which;
        fixed (ulong* s = &seen)
        {
            ulong old = Atomic.Load(s);
            while ((old & bit) == 0)
            {
                ulong was = Atomic.CompareExchange(s, old, old | bit);
                if (was == old)
                {
                    return;
                }
                old = was;
            }
        }
    }

    internal static void Print()
    {
        Line line = default;
        line.Text("RIG iface seen=");
        ulong set;
        fixed (ulong* s = &seen)
        {
            set = Atomic.Load(s);
        }
        if (set == 0)
        {
            line.Text("none");
        }
        bool first = true;
        for (int i = 0; i < 64; i++)
        {
            if ((set >> i & 1) == 0)
            {
                continue;
            }
            if (!first)
            {
                line.Byte((byte)'+');
            }
            line.Text(Name((TargetInterface)i));
            first = false;
        }
        Console.Write(ref line);
    }

    /// <summary>The names rig.json's <c>offers</c> and the skip reasons use (rig/Rig.Core/Cases/TargetInterfaces.cs).</summary>
    private static string Name(TargetInterface which) => which switch
    {
        TargetInterface.Xapic => "xapic",
        TargetInterface.X2apic => "x2apic",
        TargetInterface.TscDeadline => "tsc-deadline",
        TargetInterface.Kvmclock => "kvmclock",
        TargetInterface.Xen => "xen",
        TargetInterface.Ioapic => "ioapic",
        TargetInterface.Hpet => "hpet",
        TargetInterface.Pit => "pit",
        TargetInterface.Rdtscp => "rdtscp",
        TargetInterface.Rtc => "rtc",
        TargetInterface.DirectedEoi => "directed-eoi",
        _ => "unknown",
    };
}
