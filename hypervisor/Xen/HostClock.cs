using System.Diagnostics;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// The real host clocks. On Linux the Stopwatch timestamp is CLOCK_MONOTONIC (through the vDSO, no syscall binding
/// needed); the conversion keeps it in nanoseconds whatever Stopwatch.Frequency is.
/// </summary>
public sealed class HostClock : IHostClock
{
    public static HostClock Instance { get; } = new();

    private HostClock()
    {
    }

    public long MonotonicNanoseconds =>
        (long)((UInt128)(ulong)Stopwatch.GetTimestamp() * 1_000_000_000 / (ulong)Stopwatch.Frequency);

    public long RealtimeNanoseconds => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
}
