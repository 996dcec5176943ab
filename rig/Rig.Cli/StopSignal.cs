using System.Runtime.InteropServices;
using Rig.Hosting;
using Rig.Runner;

namespace Rig.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM during a run stop it cleanly: every VMM is killed at once (<see cref="RunStop"/>), the
/// cases in flight end as errors naming the signal, and the rig exits 2 saying what the store holds. Every result that
/// ended before is already committed (<see cref="Store.ResultStore"/>). A second signal, or a run that has not wound
/// down within <see cref="Grace"/>, ends the process at once; outside a run a signal ends it as usual.
/// </summary>
public static class StopSignal
{
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    public static void Handle(PosixSignalContext context)
    {
        var name = context.Signal == PosixSignal.SIGINT ? "SIGINT (Ctrl-C)" : "SIGTERM";
        if (!RunStop.Armed || !RunStop.Request($"interrupted by {name}"))
        {
            ChildProcesses.KillAll();
            return;
        }

        context.Cancel = true;
        Console.Error.WriteLine($"rig: {name}: stopping the run; its VMMs are killed, finished results stay in the store ({name} again quits at once)");
        _ = Task.Delay(Grace).ContinueWith(
            _ =>
            {
                Console.Error.WriteLine($"rig: the run did not wind down within {Grace.TotalSeconds:0} s of {name}; quitting. Every result recorded before stays in the store");
                Environment.Exit(ExitCodes.RigError);
            },
            TaskScheduler.Default);
    }
}
