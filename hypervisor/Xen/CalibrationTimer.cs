namespace Rig.Hypervisor.Xen;

/// <summary>
/// Runs the clock's calibration rendezvous periodically on a thread-pool timer, as Xen's calibration_timer does every
/// EPOCH (1 s, xen/arch/x86/time.c), from <see cref="Start"/> (or the first <see cref="SetPeriod"/>): the VM starts it
/// after its vCPUs, because the first timer armed in a process starts .NET's timer thread. The period is settable so the
/// time suite can race calibrations against reverts at a high rate (QMP vendor command), and a calibration can be forced now.
/// </summary>
public sealed class CalibrationTimer : IDisposable
{
    /// <summary>Xen's EPOCH.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Shorter periods would let calibration alone saturate a core of a small shared machine.</summary>
    public static readonly TimeSpan MinimumPeriod = TimeSpan.FromMilliseconds(1);

    private readonly XenClock _clock;
    private readonly Timer _timer;
    private readonly Lock _sync = new();
    private TimeSpan _period;
    private bool _disposed;

    public CalibrationTimer(XenClock clock, TimeSpan period)
    {
        _clock = clock;
        _period = Validate(period);
        _timer = new Timer(_ => _clock.Calibrate(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeSpan Period
    {
        get
        {
            lock (_sync)
            {
                return _period;
            }
        }
    }

    /// <summary>Starts the periodic calibrations: the first comes one period from now.</summary>
    public void Start() => SetPeriod(Period);

    /// <summary>Changes the period (and starts the calibrations); the next calibration comes one new period from now.</summary>
    public void SetPeriod(TimeSpan period)
    {
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _period = Validate(period);
            _timer.Change(_period, _period);
        }
    }

    /// <summary>Runs a rendezvous on the caller's thread now, without disturbing the periodic schedule.</summary>
    public void CalibrateNow()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _clock.Calibrate();
    }

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        // Waits for a calibration in flight, so nothing writes guest memory after the VM has released it.
        using var finished = new ManualResetEvent(false);
        if (_timer.Dispose(finished))
        {
            finished.WaitOne();
        }
    }

    private static TimeSpan Validate(TimeSpan period)
    {
        if (period < MinimumPeriod)
        {
            throw new ArgumentOutOfRangeException(
                nameof(period), period, $"the calibration period must be at least {MinimumPeriod.TotalMilliseconds} ms");
        }

        return period;
    }
}
