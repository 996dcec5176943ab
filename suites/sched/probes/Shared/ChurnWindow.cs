using Rig.Guest;

/// <summary>
/// How long the sched probes check: until the host says the churn is over (its ack of `churn-end`, which it holds until
/// the churn has forced its collisions), at most `ms=` when no answer comes (a host without the action acks err).
/// vCPU 0 reads the host's answer between its checks; every vCPU checks once more after it saw the window close, so
/// each one checks after the host's last collision.
/// </summary>
public static unsafe class ChurnWindow
{
    private static ulong end;
    private static ulong request;
    private static ulong closedByHost;

    /// <summary>On vCPU 0 before the checks start: asks the host to say when the churn is over, and sets the bound.</summary>
    public static void Open(ulong boundUs)
    {
        fixed (ulong* e = &end)
        {
            Atomic.Exchange(e, Tsc.Deadline(boundUs));
        }
        Line line = default;
        line.Text("churn-end");
        request = Control.Post(ref line);
    }

    /// <summary>False once the host said the churn is over or the bound passed; vCPU 0 reads the host's answer here.</summary>
    public static bool IsOpen(int cpu)
    {
        fixed (ulong* e = &end, h = &closedByHost)
        {
            if (cpu == 0 && request != 0)
            {
                Acknowledgement answer = Control.Poll(request);
                if (answer != Acknowledgement.Timeout)
                {
                    request = 0;
                    if (answer == Acknowledgement.Ok)
                    {
                        Atomic.Exchange(h, 1);
                        Atomic.Exchange(e, Tsc.Now);
                    }
                }
            }
            return Tsc.Now < Atomic.Load(e);
        }
    }

    /// <summary>What closed the window, for the probe's summary line: `host` (the churn ended) or `bound` (ms= passed).</summary>
    public static string ClosedBy
    {
        get
        {
            fixed (ulong* h = &closedByHost)
            {
                return Atomic.Load(h) != 0 ? "host" : "bound";
            }
        }
    }
}
