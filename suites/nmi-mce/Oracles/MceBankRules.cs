using Rig.Protocol;
using Rig.Suites.NmiMce.Records;

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
        records.FirstOrDefault(r => r.Kind == McgCapRecord.Kind) is { } mcg ? (int)mcg.GetInt64(McgCapRecord.Banks) : null;

    public static IReadOnlyList<string> Check(IReadOnlyList<Record> records)
    {
        var problems = new List<string>();
        if (Banks(records) is not { } banks)
        {
            return ["the probe printed no IA32_MCG_CAP record"];
        }

        var controls = records.Where(r => r.Kind == MceControlRecord.Kind).ToList();
        if (controls.Count != banks)
        {
            problems.Add($"IA32_MCG_CAP.Count is {banks} but the probe checked {controls.Count} IA32_MCi_CTL registers");
        }

        foreach (var ctl in controls)
        {
            if (ctl.GetInt64(MceControlRecord.WriteZeroOk) == 0 || ctl.GetInt64(MceControlRecord.WriteOnesOk) == 0)
            {
                problems.Add($"bank {ctl[MceControlRecord.Bank]}: a write of all zeros or all ones to IA32_MCi_CTL faulted ({ctl.Line})");
            }
            else if ((ulong)ctl.GetInt64(MceControlRecord.ReadZero) != 0 || (ulong)ctl.GetInt64(MceControlRecord.ReadOnes) != AllOnes)
            {
                problems.Add($"bank {ctl[MceControlRecord.Bank]}: IA32_MCi_CTL did not keep what was written: 0 read back as {ctl[MceControlRecord.ReadZero]}, " +
                             $"all ones as {ctl[MceControlRecord.ReadOnes]}");
            }
        }

        if (records.FirstOrDefault(r => r.Kind == MceBeyondRecord.Kind) is { } beyond && beyond.GetInt64(MceBeyondRecord.Gp) == 0)
        {
            problems.Add($"IA32_MC{banks}_CTL, past the {banks} banks IA32_MCG_CAP declares, was readable ({beyond[MceBeyondRecord.Value]}) instead of #GP");
        }

        foreach (var bank in records.Where(r => r.Kind == MceBankRecord.Kind))
        {
            problems.AddRange(CheckInjected(bank));
        }

        return problems;
    }

    private static IEnumerable<string> CheckInjected(Record bank)
    {
        string where = $"bank {bank[MceBankRecord.Bank]}";
        foreach (var (register, sent) in new[] { (MceBankRecord.Status, MceBankRecord.SentStatus), (MceBankRecord.Addr, MceBankRecord.SentAddr), (MceBankRecord.Misc, MceBankRecord.SentMisc) })
        {
            if (bank.GetInt64(register) != bank.GetInt64(sent))
            {
                yield return $"{where}: IA32_MCi_{register.ToUpperInvariant()} reads {bank[register]}, the host injected {bank[sent]}";
            }
        }

        bool uncorrected = ((ulong)bank.GetInt64(MceBankRecord.SentStatus) & Uncorrected) != 0;
        long machineChecks = bank.GetInt64(MceBankRecord.MachineChecks);
        if (machineChecks != (uncorrected ? 1 : 0))
        {
            yield return $"{where}: {(uncorrected ? "an uncorrected" : "a corrected")} error raised {machineChecks} #MC, not {(uncorrected ? 1 : 0)}";
        }

        if (bank.GetInt64(MceBankRecord.Cleared) != 0)
        {
            yield return $"{where}: IA32_MCi_STATUS reads {bank[MceBankRecord.Cleared]} after software wrote 0 to clear it";
        }
    }
}
