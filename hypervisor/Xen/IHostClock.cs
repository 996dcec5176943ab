namespace Rig.Hypervisor.Xen;

/// <summary>
/// The host clocks behind the Xen clock: CLOCK_MONOTONIC plays Xen's platform timer (the master system time each
/// calibration records), CLOCK_REALTIME sets the shared_info wallclock.
/// </summary>
public interface IHostClock
{
    long MonotonicNanoseconds { get; }

    long RealtimeNanoseconds { get; }
}
