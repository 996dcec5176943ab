namespace Rig.Targets;

/// <summary>
/// How a VM ended. <see cref="ProbeStatus"/> decodes isa-debug-exit's <c>(v &lt;&lt; 1) | 1</c>
/// (docs/protocol.md "Exit"): 0 all ok, 1 a case failed, 2 the probe hit an error; null when the
/// VMM exited some other way (an even status cannot come from the debug-exit port).
/// </summary>
public sealed record VmExit(int ProcessExitCode, bool TimedOut, bool KilledByWatchdog)
{
    public int? ProbeStatus => !TimedOut && !KilledByWatchdog && (ProcessExitCode & 1) == 1 ? ProcessExitCode >> 1 : null;

    public override string ToString() =>
        KilledByWatchdog ? "killed by the rig's watchdog"
        : TimedOut ? "did not exit within the case's bound"
        : ProbeStatus is { } s ? $"probe exit status {s} (process exit {ProcessExitCode})"
        : $"VMM exit code {ProcessExitCode} (not from the debug-exit port)";
}
