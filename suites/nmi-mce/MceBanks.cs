using NUnit.Framework;
using Rig.Cases;
using Rig.Suites.NmiMce.Oracles;
using Rig.Suites.NmiMce.Records;

namespace Rig.Suites.NmiMce;

/// <summary>
/// nmi-mce.mce-banks: the machine-check banks a guest sees are the ones the target declares and reports into: MCG_CAP's
/// bank count, MCi_CTL writes that stick, and MCi_STATUS/ADDR/MISC holding exactly what the host injected (HMP/COM2
/// `mce` with bank, status, addr, misc), one #MC for an uncorrected error and none for a corrected one.
/// </summary>
[TestFixture]
public sealed class MceBanks
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        await using var c = await RigCase.BootAsync(target);
        var exit = await c.RunToExitAsync(TimeSpan.FromSeconds(30));
        c.Oracle("SDM Vol. 3B 16.3: MCG_CAP.Count banks exist and no more; MCi_CTL keeps all-zeros/all-ones writes; MCi_STATUS, " +
                 "ADDR and MISC hold the reported error; an uncorrected error raises #MC (16.3.1.2); writing 0 clears STATUS");
        var records = c.Records.Where(r => r.Kind is McgCapRecord.Kind or MceControlRecord.Kind or MceBeyondRecord.Kind or MceBankRecord.Kind).ToList();
        records.ForEach(r => c.Evidence("observed: " + r.Line));
        if (MceBankRules.Banks(records) == 0)
        {
            c.Skip("the target declares no machine-check banks (IA32_MCG_CAP.Count = 0)");
        }
        else if (records.FirstOrDefault(r => r.Kind == MceBankRecord.Kind && r.GetInt64(MceBankRecord.Ack) == 2) is { } unanswered)
        {
            c.Error($"the host never answered a machine-check injection, so what the bank holds proves nothing: {unanswered.Line}");
        }
        else if (records.FirstOrDefault(r => r.Kind == MceBankRecord.Kind && r.GetInt64(MceBankRecord.Ack) == 1) is { } refused)
        {
            c.Skip($"the target cannot inject a machine check on request: {refused.Line}");
        }
        else
        {
            c.ReportAll(MceBankRules.Check(records));
        }

        c.Finish(exit, "MCG_CAP's banks, MCi_CTL writes and injected MCi_STATUS/ADDR/MISC read back as the SDM says");
    }
}
