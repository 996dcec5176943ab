using Rig.Guest;

/// <summary>
/// The two-vCPU shape of this suite's probes: vCPU 0, the target (host #MC injections name it), works at CPL3 counting
/// loop iterations until the script ends; vCPU 1 plays the script against it. A held handler spins at CPL0, so only
/// another vCPU can release it, and the target's progress shows it was not livelocked.
/// </summary>
public static unsafe class Victim
{
    public const int Cpu = 0;

    private static ulong done;
    private static ulong progress;
    private static ulong targetApicId;

    /// <summary>Runs <paramref name="script"/> on vCPU 1 while vCPU 0 works; false when vCPU 1 never came up.</summary>
    public static bool Run(delegate*<int, void> script)
    {
        targetApicId = LocalApic.Id;
        if (Smp.StartAll(script, 2_000_000) < 2)
        {
            return false;
        }
        fixed (ulong* d = &done)
        {
            while (Atomic.Load(d) == 0)
            {
                progress++;
            }
        }
        return true;
    }

    /// <summary>The APIC ID of vCPU 0, for NMI IPIs.</summary>
    public static uint ApicId => (uint)targetApicId;

    public static ulong Progress => progress;

    /// <summary>Called by the script on vCPU 1 when it is over: vCPU 0 returns from <see cref="Run"/>.</summary>
    public static void Finish()
    {
        fixed (ulong* d = &done)
        {
            Atomic.Exchange(d, 1);
        }
    }
}
