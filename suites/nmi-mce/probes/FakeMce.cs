using Rig.Guest;

/// <summary>
/// nmi-mce.fake-mce, guest side: INT 18 at CPL3 runs vCPU 0's #MC handler without setting MCG_STATUS.MCIP (SDM Vol. 3A
/// 6.4.2, Vol. 3B 16.3.1.2), so a real #MC the host injects while that handler is held is delivered nested, not a
/// shutdown (probes/Shared/FakeEvent.cs).
/// </summary>
public static class Probe
{
    public const string Name = "fake-mce";

    public static void Main()
    {
        if (!MachineCheck.EnableReporting())
        {
            Report.Skip(Name, "no-machine-check-msrs");
            return;
        }
        FakeEvent.Run(Name, MachineCheck.Vector);
    }
}
