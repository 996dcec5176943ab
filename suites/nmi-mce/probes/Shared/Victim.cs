using Rig.Guest;
using Rig.Suites.NmiMce.Records;

/// <summary>
/// The two-vCPU shape of this suite's probes: vCPU 0, the target (host #MC injections name it), works at CPL3 counting
/// loop iterations until the script ends; vCPU 1 plays the script against it. A held handler spins at CPL0, so only
/// another vCPU can release it, and the target's progress shows it was not livelocked.
/// </summary>
public static unsafe class Victim
{
    public const int Cpu = 0;

    private static ulong done;
    private static ulong working;
    private static delegate*<int, void> script;
    private static ulong progress;
    private static ulong targetApicId;
    private static ulong softwareInterrupt;
    private static ulong softwareInterruptFault;
    private static ulong requestedInterrupt;

    /// <summary>
    /// Runs <paramref name="script"/> on vCPU 1 while vCPU 0 works, then prints the trace and vCPU 0's progress; a
    /// skip of <paramref name="probe"/> when vCPU 1 never came up.
    /// </summary>
    public static void Run(string probe, delegate*<int, void> play)
    {
        EventTrace.Start(Cpu);
        targetApicId = LocalApic.Id;
        script = play;
        if (Smp.StartAll(&Play) < 2)
        {
            Report.Skip(probe, "needs-two-vcpus");
            return;
        }
        fixed (ulong* w = &working)
        {
            Atomic.Exchange(w, 1);
        }
        fixed (ulong* d = &done, i = &softwareInterrupt)
        {
            while (Atomic.Load(d) == 0)
            {
                progress++;
                if (Atomic.Load(i) != 0)
                {
                    Interrupt(Atomic.Load(i));
                    Atomic.Exchange(i, 0);
                }
            }
        }
        EventTrace.Print();
        Line line = default;
        line.Text("RIG ");
        line.Text(VictimProgressRecord.Kind);
        line.Field(VictimProgressRecord.Cpu0Iterations, progress);
        Console.Write(ref line);
    }

    /// <summary>On vCPU 1: the script starts once vCPU 0 is in its work loop, so every event interrupts the same CPL3 code.</summary>
    private static void Play(int cpu)
    {
        fixed (ulong* w = &working)
        {
            while (Atomic.Load(w) == 0)
            {
                Rig.Guest.Cpu.Pause();
            }
        }
        script(cpu);
    }

    /// <summary>On vCPU 0, from its work loop: INT 2 or INT 18 at CPL3, and the fault a target raised instead.</summary>
    private static void Interrupt(ulong vector)
    {
        softwareInterruptFault = vector == 2 ? SoftwareInterrupts.Nmi() : SoftwareInterrupts.MachineCheck();
    }

    /// <summary>From the script: vCPU 0 executes INT <paramref name="vector"/> (2 or 18) in its work loop, recorded as an `int` step.</summary>
    public static void RequestInterrupt(ulong vector)
    {
        EventTrace.Add(EventTrace.Int, vector, 0);
        requestedInterrupt = vector;
        fixed (ulong* i = &softwareInterrupt)
        {
            Atomic.Exchange(i, vector);
        }
    }

    /// <summary>
    /// Waits until vCPU 0 is back in its work loop from the requested INT n (false past <paramref name="timeoutMicroseconds"/>);
    /// if the INT raised a fault instead of calling the handler, records a second `int` step with that vector as its value.
    /// </summary>
    public static bool InterruptReturned(ulong timeoutMicroseconds)
    {
        ulong deadline = Tsc.Deadline(timeoutMicroseconds);
        fixed (ulong* i = &softwareInterrupt)
        {
            while (Atomic.Load(i) != 0)
            {
                if (Tsc.Now >= deadline)
                {
                    return false;
                }
                Rig.Guest.Cpu.Pause();
            }
        }
        if (softwareInterruptFault != Faults.None)
        {
            EventTrace.Add(EventTrace.Int, requestedInterrupt, softwareInterruptFault);
        }
        return true;
    }

    /// <summary>Iterations of vCPU 0's work loop so far, read from the script.</summary>
    public static ulong Progress
    {
        get
        {
            fixed (ulong* p = &progress)
            {
                return Atomic.Load(p);
            }
        }
    }

    /// <summary>The APIC ID of vCPU 0, for NMI IPIs.</summary>
    public static uint ApicId => (uint)targetApicId;

    /// <summary>Called by the script on vCPU 1 when it is over: vCPU 0 returns from <see cref="Run"/>.</summary>
    public static void Finish()
    {
        fixed (ulong* d = &done)
        {
            Atomic.Exchange(d, 1);
        }
    }
}
