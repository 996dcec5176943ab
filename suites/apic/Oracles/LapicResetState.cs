using Rig.Protocol;

namespace Rig.Suites.Apic.Oracles;

/// <summary>One register whose value after a reset is not what the SDM says it must be.</summary>
public sealed record RegisterMismatch(string Register, string Expected, string Actual, string Rule);

/// <summary>
/// The LAPIC's architectural state after RESET, SDM Vol. 3A §12.4.7.1 "Local APIC State After Power-Up
/// or Reset" (§10.4.7.1 in older editions) and, for x2APIC mode, §12.12.5.1: IRR, ISR, TMR, ICR, LDR and TPR
/// are 0; the timer's initial and current counts and the divide configuration are 0; DFR is all 1s; every
/// LVT is 0 but for its mask bit; SVR is 0xFF; the version register is unaffected; the unit comes out enabled
/// in xAPIC mode. PPR is derived from TPR and ISR (§12.8.3.1), so it is 0 too. An INIT (§12.4.7.3) leaves
/// the same state except that the APIC ID and IA32_APIC_BASE are kept.
/// </summary>
/// <remarks>
/// The probe reads every register the guest can read and prints one <c>RIG lapic</c> record per vCPU and reset:
/// <c>after=system_reset|cf9|kbd|init mode=xapic|x2apic cpu=N id=.. ver=.. tpr=.. ppr=.. ldr=.. dfr=.. svr=..
/// isr=&lt;64 hex digits&gt; tmr=.. irr=.. esr=.. icr=.. lvt_timer=.. lvt_thermal=.. lvt_pmc=.. lvt_lint0=..
/// lvt_lint1=.. lvt_error=.. tmict=.. tmcct=.. tdcr=.. apicbase=..</c>. <paramref name="before"/> is the
/// <c>RIG dirty</c> record the same vCPU printed before the reset, whose id and ver must survive it.
/// ESR is read after a write of 0, as §12.5.3 requires; a fresh unit has recorded no error.
/// </remarks>
public static class LapicResetState
{
    private const string Reset = "SDM 12.4.7.1";
    private const ulong LvtMasked = 0x0001_0000;

    private static readonly string[] Lvts = ["lvt_timer", "lvt_thermal", "lvt_pmc", "lvt_lint0", "lvt_lint1", "lvt_error"];

    public static IReadOnlyList<RegisterMismatch> Check(Record r, Record? before)
    {
        var bad = new List<RegisterMismatch>();
        bool x2 = r["mode"] == "x2apic";

        void Expect(string reg, ulong expected, string rule)
        {
            var actual = Read(r, reg);
            if (actual is null)
            {
                bad.Add(new(reg, Hex(expected), "missing", rule));
            }
            else if (actual.Value != expected)
            {
                bad.Add(new(reg, Hex(expected), Hex(actual.Value), rule));
            }
        }

        Expect("tpr", 0, Reset);
        Expect("ppr", 0, "SDM 12.8.3.1 (PPR from TPR and ISR, both 0 after reset)");
        Expect("svr", 0xFF, Reset);
        Expect("icr", 0, Reset);
        Expect("esr", 0, "SDM 12.5.3 (no error since reset)");
        Expect("tmict", 0, Reset);
        Expect("tmcct", 0, Reset);
        Expect("tdcr", 0, Reset);
        foreach (var lvt in Lvts)
        {
            Expect(lvt, LvtMasked, Reset + " (LVTs 0 but for the mask bit)");
        }

        foreach (var vectors in new[] { "isr", "tmr", "irr" })
        {
            ExpectNoVectors(r, vectors, bad);
        }

        if (x2)
        {
            // In x2APIC mode the LDR is read-only and derived from the x2APIC ID (SDM 12.12.10.2).
            if (Read(r, "id") is { } id)
            {
                Expect("ldr", ((id >> 4) << 16) | (1UL << (int)(id & 0xF)), "SDM 12.12.10.2");
            }
        }
        else
        {
            Expect("ldr", 0, Reset);
            Expect("dfr", 0xFFFF_FFFF, Reset);
        }

        if (Read(r, "apicbase") is { } apicBase && r["after"] != "init")
        {
            // Out of RESET: enabled (bit 11), xAPIC (EXTD bit 10 clear), base 0xFEE00000 (SDM 12.12.5, 12.4.4).
            // The probe reads it before it switches to x2APIC itself.
            const ulong enable = 1UL << 11, extd = 1UL << 10;
            if ((apicBase & enable) == 0 || (apicBase & extd) != 0 || (apicBase & 0xF_FFFF_F000) != 0xFEE0_0000)
            {
                bad.Add(new("apicbase", "EN=1 EXTD=0 base=0xfee00000", Hex(apicBase), "SDM 12.12.5 (xAPIC mode out of RESET)"));
            }
        }

        if (before is not null)
        {
            ExpectUnchanged(r, before, "id", "SDM 12.4.6 (the APIC ID is assigned at power-up and kept)", bad);
            ExpectUnchanged(r, before, "ver", Reset + " (version register not affected)", bad);
        }

        return bad;
    }

    private static void ExpectNoVectors(Record r, string reg, List<RegisterMismatch> bad)
    {
        var text = r[reg];
        var vectors = text is null ? null : VectorSet.Parse(text);
        if (vectors is null || vectors.Length != 0)
        {
            bad.Add(new(reg, "no vector set", vectors is null ? text ?? "missing" : "vectors " + VectorSet.Format(vectors), Reset));
        }
    }

    private static void ExpectUnchanged(Record r, Record before, string reg, string rule, List<RegisterMismatch> bad)
    {
        if (Read(before, reg) is { } was && Read(r, reg) is { } now && was != now)
        {
            bad.Add(new(reg, Hex(was), Hex(now), rule));
        }
    }

    private static ulong? Read(Record r, string key) => r[key] is { } s ? VectorSet.ParseInt(s) : null;

    private static string Hex(ulong v) => $"0x{v:x}";
}
