namespace Rig.Guest;

/// <summary>
/// Every vCPU of the MADT runs one work function together, the BSP included; phases inside it meet at
/// <see cref="Sync"/>. The time checks need all vCPUs at once: warps and cross-vCPU order only show between them.
/// </summary>
public static unsafe class Team
{
    private static Barrier* barrier;
    private static delegate*<int, void> job;

    public static int Size { get; private set; }

    /// <summary>Starts the APs on <paramref name="work"/>, then runs it on the BSP; false (reported as fail) if an AP never came.</summary>
    public static bool Run(string caseName, delegate*<int, void> work)
    {
        int expected = Acpi.CpuCount();
        if (expected > (int)Runtime.Boot->MaxCpus)
        {
            expected = (int)Runtime.Boot->MaxCpus;
        }
        Size = expected;
        barrier = Barrier.Create(expected);
        job = work;
        int online = Smp.StartAll(&ApMain);
        if (online < expected)
        {
            Line line = Report.Start(Verdict.Fail, caseName);
            line.TextField("reason", "vcpus-missing");
            line.Field("online", (ulong)online);
            line.Field("expected", (ulong)expected);
            Report.Emit(ref line);
            return false;
        }
        work(0);
        return true;
    }

    /// <summary>Waits for every vCPU; false if one did not arrive within <paramref name="timeoutMicroseconds"/>.</summary>
    public static bool Sync(ulong timeoutMicroseconds) => Barrier.Wait(barrier, timeoutMicroseconds);

    private static void ApMain(int cpu) => job(cpu);
}
