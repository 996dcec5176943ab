/// <summary>
/// nmi-mce.fake-nmi, guest side: INT 2 at CPL3 runs vCPU 0's NMI handler without NMI blocking (SDM Vol. 3A 6.3.3), so
/// a real NMI IPI sent while that handler is held nests at once (probes/Shared/FakeEvent.cs).
/// </summary>
public static class Probe
{
    public const string Name = "fake-nmi";

    public static void Main() => FakeEvent.Run(Name, 2);
}
