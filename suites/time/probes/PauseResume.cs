using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>
/// time.pause-resume, guest side: the BSP asks the host `n=` times to stop and resume the VM (1 to 20 ms), reading
/// every clock just before and just after; `RIG pause` carries each clock's step, the host's measured pause and the
/// guest's TSC bracket of the whole exchange, readings included. Meanwhile the APs read every clock back to back (`RIG steps`).
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private static ulong pauses;

    public static void Main()
    {
        pauses = CommandLine.GetNumber("n", 200);
        Clocks.Setup(Name);
        Readers.Start(Name, &Work);
    }

    private static void Work(int cpu) => Readers.Run(Name, cpu, &PauseRepeatedly);

    private static void PauseRepeatedly()
    {
        for (ulong i = 0; i < pauses; i++)
        {
            // The bracket holds the readings too: a vCPU preempted by a loaded host between a reading and the bracket
            // took 124 ms once, beyond any margin, and failed the clean reference (docs/notes/time.md).
            ulong t0 = Tsc.Now;
            Readings before = Readings.Now();
            if (!Host.Ask(Name, Duration(i), "no-pause-control"))
            {
                return;
            }
            Readings after = Readings.Now();
            ulong t1 = Tsc.Now;
            Control.TryGetAckNumber(HostAction.PauseHostUs, out ulong hostUs);
            Line line = default;
            line.Text("RIG ");
            line.Text(PauseRecord.Kind);
            line.Field(PauseRecord.Index, i);
            line.Field(PauseRecord.HostUs, hostUs);
            line.Field(PauseRecord.BracketNs, Tsc.Nanoseconds(t1 - t0));
            Readings.AddSteps(ref line, before, after);
            Console.Write(ref line);
        }
    }

    /// <summary>Pauses of several lengths, so a jump that grows with the pause stands out from one that does not.</summary>
    private static string Duration(ulong i) => (i % 4) switch
    {
        0 => HostAction.Pause + " " + HostAction.Us + "=1000",
        1 => HostAction.Pause + " " + HostAction.Us + "=3000",
        2 => HostAction.Pause + " " + HostAction.Us + "=10000",
        _ => HostAction.Pause + " " + HostAction.Us + "=20000",
    };
}
