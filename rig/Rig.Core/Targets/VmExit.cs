namespace Rig.Targets;

/// <summary>
/// How a VM ended. <see cref="ProbeStatus"/> decodes isa-debug-exit's <c>(v &lt;&lt; 1) | 1</c>
/// (docs/protocol.md "Exit"): 0 all ok, 1 a case failed, 2 the probe hit an error; null when the
/// VMM exited some other way (an even status cannot come from the debug-exit port).
/// <see cref="Fault"/> is what the rig saw go wrong on the VMM's channels (its QMP connection lost mid-command,
/// a COM1 line over the rig's limit): the case cannot be judged from such a run.
/// </summary>
public sealed record VmExit(int ProcessExitCode, bool TimedOut, bool KilledByWatchdog, string? Fault = null)
{
    /// <summary>
    /// .NET reports a child killed by signal N as exit code 128 + N, the shell's convention. The protocol's statuses
    /// (0-2, exit codes 1-5) never reach 129, so 129-192 is read as a signal; a guest writing a debug-exit value of 64
    /// or more (outside the protocol) reads as one too, and either way the run cannot be judged.
    /// </summary>
    public int? Signal => !TimedOut && !KilledByWatchdog && ProcessExitCode is > 128 and <= 128 + 64 ? ProcessExitCode - 128 : null;

    public int? ProbeStatus => !TimedOut && !KilledByWatchdog && Signal is null && (ProcessExitCode & 1) == 1 ? ProcessExitCode >> 1 : null;

    /// <summary>Why the run cannot be judged at all (null when the VMM ended in one of the ways a case judges).</summary>
    public string? Unjudgeable => Fault ?? (Signal is { } s ? $"the VMM was killed by signal {s}{SignalName(s)}, not ended by its guest" : null);

    public override string ToString() =>
        (KilledByWatchdog ? "killed by the rig's watchdog"
        : TimedOut ? "did not exit within the case's bound"
        : Signal is { } signal ? $"VMM killed by signal {signal}{SignalName(signal)} (process exit {ProcessExitCode})"
        : ProbeStatus is { } s ? $"probe exit status {s} (process exit {ProcessExitCode})"
        : $"VMM exit code {ProcessExitCode} (not from the debug-exit port)")
        + (Fault is null ? "" : $"; {Fault}");

    private static string SignalName(int signal) => signal switch
    {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        6 => " (SIGABRT)",
        7 => " (SIGBUS)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
