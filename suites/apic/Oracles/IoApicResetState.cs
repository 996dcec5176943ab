using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// The IOAPIC after a reset, 82093AA data sheet §3.2.4 (IOREDTBL): RESET sets the mask bit of every redirection
/// entry, so no pin delivers until software routes it; a hypervisor that keeps the previous boot's routes across a
/// reset lets stale interrupts in before the guest has set anything up.
/// </summary>
/// <remarks>
/// Input: <c>RIG ioapic after=system_reset|cf9|kbd present=0|1 entries=N unmasked=0x&lt;bitmap&gt;</c>, read before the
/// probe touches the IOAPIC. A target without an IOAPIC (present=0) has nothing to judge.
/// </remarks>
public static class IoApicResetState
{
    /// <summary>Null when the record conforms or the target has no IOAPIC; otherwise what is wrong.</summary>
    public static string? Check(Record r)
    {
        if (r["present"] != "1")
        {
            return null;
        }

        ulong unmasked = Convert.ToUInt64(r["unmasked"] ?? "0x0", 16);
        if (unmasked == 0)
        {
            return null;
        }

        var pins = Enumerable.Range(0, 64).Where(i => (unmasked >> i & 1) != 0);
        return $"after {r["after"]}: redirection entries {string.Join(", ", pins)} of {r["entries"]} unmasked " +
               "(82093AA 3.2.4: RESET masks every entry)";
    }
}
