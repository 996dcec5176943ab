namespace Rig.Probes.Host;

/// <summary>One boot of a probe: the VMM's exit status, the COM1 lines, and when the first COM1 byte arrived.</summary>
public sealed record ProbeRun(int ExitCode, IReadOnlyList<string> Com1Lines, TimeSpan? FirstCom1Byte, bool TimedOut, string Stderr)
{
    /// <summary>The probe's own status: isa-debug-exit makes the VMM exit with (status &lt;&lt; 1) | 1.</summary>
    public int? ProbeStatus => ExitCode % 2 == 1 ? ExitCode >> 1 : null;

    /// <summary>`RIG ok|fail|skip|error` lines.</summary>
    public IEnumerable<string> Verdicts => Com1Lines.Where(l =>
        l.StartsWith("RIG ok ", StringComparison.Ordinal) || l.StartsWith("RIG fail ", StringComparison.Ordinal)
        || l.StartsWith("RIG skip ", StringComparison.Ordinal) || l.StartsWith("RIG error ", StringComparison.Ordinal));
}
