using Rig.Guest;
using Rig.Suites.Time.Records;

/// <summary>One reading of every available clock, and how far each moved between two such readings, for `RIG` lines.</summary>
public unsafe struct Readings
{
    // One per clock, in Clocks order (Tsc, Rdtscp, KvmClock, XenClock); indexed through a pointer.
    public ulong Tsc;
    public ulong Rdtscp;
    public ulong KvmClock;
    public ulong XenClock;

    public static Readings Now()
    {
        Readings r = default;
        ulong* values = &r.Tsc;
        for (int c = 0; c < Clocks.Count; c++)
        {
            values[c] = Clocks.Has(c) ? Clocks.Read(c) : 0;
        }
        return r;
    }

    /// <summary>Adds ` tsc_ns=.. kvmclock_ns=.. xenclock_ns=..`: each clock's signed step from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static void AddSteps(ref Line line, Readings before, Readings after)
    {
        for (int c = 0; c < Clocks.Count; c++)
        {
            if (c == Clocks.Rdtscp || !Clocks.Has(c))
            {
                continue;
            }
            ulong a = (&before.Tsc)[c], b = (&after.Tsc)[c];
            long ns = b >= a ? (long)Clocks.Nanoseconds(c, b - a) : -(long)Clocks.Nanoseconds(c, a - b);
            line.Byte((byte)' ');
            line.Text(Clocks.Name(c));
            line.Text(ClockNames.StepSuffix);
            line.Byte((byte)'=');
            line.Signed(ns);
        }
    }
}
