namespace Rig.Suites.NmiMce.Oracles;

/// <summary>
/// SDM Vol. 3B 16.3.1.2 (IA32_MCG_STATUS.MCIP): "if a second machine-check event occurs while MCIP is set, the processor
/// enters a shutdown state". The probe keeps its first #MC handler running (MCIP set) and asks for a second: the target
/// must shut the vCPU down (QEMU resets the machine, rig-hv ends the VM) — never deliver the second #MC on top of the
/// first, whose IST frame it would overwrite (seed 004 item 7), and never carry on as if nothing came.
/// </summary>
public static class DoubleMceRules
{
    /// <param name="boot1Trace">What boot 1 printed: nothing when the shutdown came, since the trace is printed at the end.</param>
    /// <param name="shutdown">The target reported a guest shutdown or reset (QMP event, or a second boot).</param>
    public static IReadOnlyList<string> Check(IReadOnlyList<TraceEvent> boot1Trace, bool shutdown)
    {
        var deliveries = boot1Trace.Where(e => e.What == TraceWhat.Deliver && e.Vector == TraceEvent.MachineCheck).ToList();
        if (deliveries.Count > 1)
        {
            return [$"a second #MC was delivered while MCIP was set ({deliveries[1]}) instead of a shutdown"];
        }

        if (shutdown)
        {
            return [];
        }

        return boot1Trace.Count > 0 && deliveries.Count == 0
            ? ["the first #MC was never delivered, so the second was not tested"]
            : ["the second #MC while MCIP was set neither shut the vCPU down nor was delivered: it was lost"];
    }
}
