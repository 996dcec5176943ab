using System.Diagnostics;

namespace Rig.Hypervisor.Cli;

/// <summary>
/// --trace-start (issue 18): the moments rig-hv's start passes each stage, written to stderr as
/// "rig-hv: start STAGE NS CPU_NS" lines, NS being CLOCK_MONOTONIC nanoseconds (Stopwatch's clock on Linux), so that a parent that
/// read the same clock when it spawned the process puts the stages on its own time line (bench/Hypervisor does), and
/// CPU_NS the CPU time the process (all its threads) had used by then (getrusage), which a loaded host does not inflate
/// as it does the wall time. The lines are held until the first COM1 byte, or the end, so that writing them does not
/// slow the start they time.
/// </summary>
internal sealed class StartTrace(TextWriter output)
{
    private readonly Lock _lock = new();
    private readonly List<(string Stage, long Ns, long CpuNs)> _marks = [];
    private bool _written;

    public void Mark(string stage) => Mark(stage, Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime);

    /// <summary>
    /// A stage reached at <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> value taken earlier) with
    /// <paramref name="cpu"/> of CPU used (<see cref="Environment.CpuUsage"/> then).
    /// </summary>
    public void Mark(string stage, long timestamp, TimeSpan cpu)
    {
        long ns = (long)(timestamp * (1e9 / Stopwatch.Frequency));
        lock (_lock)
        {
            if (!_written)
            {
                _marks.Add((stage, ns, cpu.Ticks * 100));
            }
        }
    }

    /// <summary>The last stage: the guest's first byte on COM1 (later bytes are not stages).</summary>
    public void Com1Byte()
    {
        if (!Volatile.Read(ref _written))
        {
            Mark("first-com1-byte");
            Write();
        }
    }

    /// <summary>Writes what was marked, once (at the first COM1 byte, or at exit for a guest that printed nothing).</summary>
    public void Write()
    {
        lock (_lock)
        {
            if (_written)
            {
                return;
            }

            _written = true;
            foreach (var (stage, ns, cpuNs) in _marks)
            {
                output.WriteLine($"rig-hv: start {stage} {ns} {cpuNs}");
            }
        }
    }
}
