using Rig.Protocol;

namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// The machine-check banks as the guest reads them (SDM Vol. 3B 16.3 "Machine-Check MSRs"): IA32_MCG_CAP.Count (bits
/// 7:0) says how many banks exist, and an MSR of a bank beyond it does not (RDMSR of an unimplemented MSR is #GP(0),
/// Vol. 2B RDMSR); IA32_MCi_CTL takes all zeros and all ones (16.3.2.1) and reads back what was written; an error the
/// platform reports in bank i is what IA32_MCi_STATUS, ADDR and MISC then hold (16.3.2.2-16.3.2.4: the host injects
/// exactly those values, into a bank whose STATUS was clear, so OVER stays clear); an uncorrected error raises one
/// #MC and a corrected one none (16.3.1.2, no CMCI offered); and STATUS is cleared by writing 0 (16.3.2.2).
/// </summary>
public static class MceBankRules
{
    private const ulong AllOnes = ulong.MaxValue;
    private const ulong Uncorrected = 1UL << 61;

    /// <summary>Banks the probe saw in MCG_CAP; null when it printed no `RIG mcg` record.</summary>
    public static int? Banks(IReadOnlyList<Record> records) =>
        records.FirstOrDefault(r => r.Kind == "mcg") is { } mcg ? (int)mcg.GetInt64("banks") : null;

    public static IReadOnlyList<string> Check(IReadOnlyList<Record> records)
    {
        var problems = new List<string>();
        if (Banks(records) is not { } banks)
        {
            return ["the probe printed no IA32_MCG_CAP record"];
        }

        var controls = records.Where(r => r.Kind == "mce-ctl").ToList();
        if (controls.Count != banks)
        {
            problems.Add($"IA32_MCG_CAP.Count is {banks} but the probe checked {controls.Count} IA32_MCi_CTL registers");
        }

        foreach (var ctl in controls)
        {
            if (ctl.GetInt64("write_zero_ok") == 0 || ctl.GetInt64("write_ones_ok") == 0)
            {
                problems.Add($"bank {ctl["bank"]}: a write of all zeros or all ones to IA32_MCi_CTL faulted ({ctl.Line})");
            }
            else if ((ulong)ctl.GetInt64("read_zero") != 0 || (ulong)ctl.GetInt64("read_ones") != AllOnes)
            {
                problems.Add($"bank {ctl["bank"]}: IA32_MCi_CTL did not keep what was written: 0 read back as {ctl["read_zero"]}, " +
                             $"all ones as {ctl["read_ones"]}");
            }
        }

        if (records.FirstOrDefault(r => r.Kind == "mce-beyond") is { } beyond && beyond.GetInt64("gp") == 0)
        {
            problems.Add($"IA32_MC{banks}_CTL, past the {banks} banks IA32_MCG_CAP declares, was readable ({beyond["value"]}) instead of #GP");
        }

        foreach (var bank in records.Where(r => r.Kind == "mce-bank"))
        {
            problems.AddRange(CheckInjected(bank));
        }

        return problems;
    }

    private static IEnumerable<string> CheckInjected(Record bank)
    {
        string where = $"bank {bank["bank"]}";
        foreach (var register in new[] { "status", "addr", "misc" })
        {
            if (bank.GetInt64(register) != bank.GetInt64("sent_" + register))
            {
                yield return $"{where}: IA32_MCi_{register.ToUpperInvariant()} reads {bank[register]}, the host injected {bank["sent_" + register]}";
            }
        }

        bool uncorrected = ((ulong)bank.GetInt64("sent_status") & Uncorrected) != 0;
        long machineChecks = bank.GetInt64("machine_checks");
        if (machineChecks != (uncorrected ? 1 : 0))
        {
            yield return $"{where}: {(uncorrected ? "an uncorrected" : "a corrected")} error raised {machineChecks} #MC, not {(uncorrected ? 1 : 0)}";
        }

        if (bank.GetInt64("cleared") != 0)
        {
            yield return $"{where}: IA32_MCi_STATUS reads {bank["cleared"]} after software wrote 0 to clear it";
        }
    }
}
