using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>
/// time.drift, guest side: for `ms=` milliseconds the vCPUs take turns, one exchange every `interval_ms=`, asking the
/// host for its CLOCK_MONOTONIC_RAW (`host-time`) between two readings of every clock. `RIG exchange` carries the midpoints
/// (raw TSC cycles and the frequency the guest was told, pvclock ns) and the round trip, which bounds the error.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;
    private const ulong Stop = 0xFFFF_FFFF;

    private static ulong windowUs;
    private static ulong intervalUs;
    private static ulong end;
    private static ulong turn;

    public static void Main()
    {
        windowUs = CommandLine.GetNumber("ms", 20_000) * 1000;
        intervalUs = CommandLine.GetNumber("interval_ms", 250) * 1000;
        Clocks.Setup(Name);
        Team.Run(Name, &Work);
    }

    private static void Work(int cpu)
    {
        Clocks.EnableHere();
        Team.Sync(10_000_000);
        if (cpu == 0)
        {
            end = Tsc.Deadline(windowUs);
        }
        Team.Sync(10_000_000);
        fixed (ulong* t = &turn)
        {
            while (true)
            {
                ulong now = Atomic.Load(t);
                if (now == Stop)
                {
                    break;
                }
                if (now % (ulong)Team.Size != (ulong)cpu)
                {
                    Cpu.Pause();
                    continue;
                }
                if (!Exchange(now))
                {
                    Atomic.Exchange(t, Stop);
                    break;
                }
                Tsc.Wait(intervalUs);
                Atomic.Exchange(t, Tsc.Now >= end ? Stop : now + 1);
            }
        }
        if (!Team.Sync(30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }

    private static bool Exchange(ulong i)
    {
        Readings before = Readings.Now();
        if (!Host.Time(out ulong hostNs))
        {
            Report.Fail(Name, "no-host-time");
            return false;
        }
        Readings after = Readings.Now();
        Line line = default;
        line.Text("RIG ");
        line.Text(ExchangeRecord.Kind);
        line.Field(ExchangeRecord.Index, i);
        line.Field(ExchangeRecord.Cpu, (ulong)Cpu.Index);
        line.Field(ExchangeRecord.HostNs, hostNs);
        line.Field(ExchangeRecord.RttNs, Tsc.Nanoseconds(after.Tsc - before.Tsc));
        line.Field(ExchangeRecord.TscHz, Tsc.Hz);
        line.TextField(ExchangeRecord.TscHzFrom, Tsc.Source);
        line.Field(ExchangeRecord.Tsc, Midpoint(before.Tsc, after.Tsc));
        if (Clocks.Has(Clocks.KvmClock))
        {
            line.Field(ClockNames.KvmClock + ClockNames.StepSuffix, Midpoint(before.KvmClock, after.KvmClock));
        }
        if (Clocks.Has(Clocks.XenClock))
        {
            line.Field(ClockNames.XenClock + ClockNames.StepSuffix, Midpoint(before.XenClock, after.XenClock));
        }
        Console.Write(ref line);
        return true;
    }

    private static ulong Midpoint(ulong a, ulong b) => a + (b - a) / 2;
}
