using System.Text.RegularExpressions;
using Rig.Targets;

namespace Rig.Fuzz;

/// <summary>
/// The oracle of one fuzzing epoch (issue 21): the hypervisor never crashes (its process ends only by QMP quit, the
/// debug-exit port or a guest shutdown, exits 0, odd, 122 of hypervisor/Vm/ExitCodes.cs, and never says "Unhandled
/// exception", never stops in GUEST_PANICKED on an exit it does not handle), never hangs (every QMP reply and the quit within their bounds), and a guest error is the guest's, named
/// with its address from the probe's <c>RIG error ... vector= rip=</c> line. A pure function of what the epoch recorded.
/// </summary>
public static partial class FuzzJudge
{
    private const int MaxProbeStatus = 2;
    private const int GuestShutdownExit = 122;
    private const int WatchdogExit = 124;
    private const int InternalErrorExit = 126;

    public static (FuzzOutcome Outcome, string Evidence) Judge(
        VmExit? exit, bool stoppedByHost, string? hang, string? stoppedState, string vmmDiagnostics, IReadOnlyList<string> com1Lines)
    {
        if (UnhandledException().Match(vmmDiagnostics) is { Success: true } unhandled)
        {
            return (FuzzOutcome.Crash, $"the VMM reported an unhandled .NET exception: {Excerpt(vmmDiagnostics, unhandled.Index)}");
        }

        if (hang is not null)
        {
            return (FuzzOutcome.Hang, hang);
        }

        switch (stoppedState)
        {
            case "shutdown":
                return (FuzzOutcome.GuestShutdown, "the guest shut the machine down (triple fault or shutdown request); the VMM kept it, paused");
            case "guest-panicked" or "internal-error":
                return (FuzzOutcome.Crash, $"the VMM stopped in {stoppedState} on an exit it does not handle: {VcpuReport(vmmDiagnostics)}");
        }

        if (exit is null || exit.KilledByWatchdog || exit.TimedOut)
        {
            return (FuzzOutcome.Hang, $"the VMM did not end when asked ({exit?.ToString() ?? "no exit"})");
        }

        // The probe exits with 0..2 only (the runtime's statuses; its port inputs skip 0xF4). A process killed by a signal
        // reads as 128 + signal, and SIGSEGV's 139 is odd, so it would pass for debug-exit status 69: it is a crash.
        if (exit.ProbeStatus is { } status and <= MaxProbeStatus)
        {
            return status == 0
                ? (FuzzOutcome.ProbeDone, "the probe finished its inputs")
                : (FuzzOutcome.GuestError, GuestErrorLine(com1Lines) is { } line
                    ? $"the guest's error (probe status {status}): {line}"
                    : $"the guest's error (probe status {status}, no RIG error line: COM1 may have been reprogrammed by the fuzz)");
        }

        return exit.ProcessExitCode switch
        {
            0 when stoppedByHost => (FuzzOutcome.Stopped, "quit by the host at the end of the epoch"),
            GuestShutdownExit => (FuzzOutcome.GuestShutdown, "the guest shut the machine down (triple fault or shutdown request)"),
            WatchdogExit => (FuzzOutcome.Hang, "the VMM's own --timeout watchdog ended it"),
            InternalErrorExit => (FuzzOutcome.Crash, $"the VMM stopped on an internal error (GUEST_PANICKED): {VcpuReport(vmmDiagnostics)}"),
            _ => (FuzzOutcome.Crash, $"the VMM exited {exit.ProcessExitCode} unasked: {Tail(vmmDiagnostics)}"),
        };
    }

    /// <summary>The probe's own error report: <c>RIG error fuzz vector=0x.. rip=0x.. error=0x..</c>.</summary>
    private static string? GuestErrorLine(IReadOnlyList<string> com1Lines) =>
        com1Lines.LastOrDefault(l => l.Contains("RIG error", StringComparison.Ordinal) && l.Contains("rip=", StringComparison.Ordinal));

    /// <summary>rig-hv's own account of a vCPU's end (<c>vCPU n: KVM internal error ... at RIP ...</c>), not the unbacked-access log around it.</summary>
    private static string VcpuReport(string diagnostics) =>
        diagnostics.Split('\n').LastOrDefault(l => VcpuLine().IsMatch(l)) is { } line ? line.Trim() : Tail(diagnostics);

    private static string Excerpt(string text, int at) => text.Substring(at, Math.Min(600, text.Length - at)).ReplaceLineEndings(" | ");

    private static string Tail(string text) => (text.Length > 600 ? text[^600..] : text).ReplaceLineEndings(" | ");

    [GeneratedRegex(@"vCPU \d+: (?!guest shutdown)")]
    private static partial Regex VcpuLine();

    [GeneratedRegex(@"Unhandled exception|Fatal error\.|Segmentation fault|Process terminated|Stack overflow\.")]
    private static partial Regex UnhandledException();
}
