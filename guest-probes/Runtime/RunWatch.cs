namespace Rig.Guest;

/// <summary>
/// Tells the time this vCPU ran from the time it did not. A waiting loop that reads the TSC back to back sees its own
/// execution stop as a gap between two consecutive reads: a host that deschedules the vCPU shows up that way, and a
/// guest has no other way to see it. Waits bounded by <see cref="RanUs"/> rather than by the TSC alone keep their full
/// window on a loaded host, and the gaps go to the record so that an oracle can excuse a delivery that was late only
/// while the probe itself was not running (suites/apic/Oracles/TimerDeliveryRules.cs). The probe's own interrupt
/// handlers are gaps too: the loop does not run while they do.
/// </summary>
public unsafe struct RunWatch
{
    /// <summary>Gaps kept for the record; later ones merge into the last, which only widens what an oracle excuses.</summary>
    public const int Capacity = 24;

    /// <summary>A pause this long between two TSC reads of the loop is a gap (a loop pass takes well under 1 µs).</summary>
    public const ulong GapUs = 20;

    private fixed ulong starts[Capacity];
    private fixed ulong ends[Capacity];
    private int count;
    private ulong origin;
    private ulong last;
    private ulong stolen;
    private ulong gapCycles;

    /// <summary>Starts watching at <paramref name="from"/>, a TSC value just read: times in the record are relative to it.</summary>
    public void Start(ulong from)
    {
        origin = from;
        last = from;
        count = 0;
        stolen = 0;
        gapCycles = Tsc.Cycles(GapUs);
    }

    public ulong Origin => origin;

    /// <summary>The TSC at the last <see cref="Step"/>.</summary>
    public ulong Last => last;

    /// <summary>Cycles in gaps since <see cref="Start"/>.</summary>
    public ulong StolenCycles => stolen;

    /// <summary>µs this vCPU ran since <see cref="Start"/>, as far as the loop could see.</summary>
    public ulong RanUs => Tsc.Microseconds(last - origin - stolen);

    /// <summary>One pass of a waiting loop: reads the TSC and records a gap since the previous pass.</summary>
    public ulong Step()
    {
        ulong now = Tsc.Now;
        if (now - last > gapCycles)
        {
            stolen += now - last;
            fixed (ulong* s = starts)
            fixed (ulong* e = ends)
            {
                if (count < Capacity)
                {
                    s[count] = last;
                    e[count] = now;
                    count++;
                }
                else
                {
                    e[Capacity - 1] = now;
                }
            }
        }
        last = now;
        Cpu.Pause();
        return now;
    }

    /// <summary>µs from <see cref="Origin"/> to <paramref name="tsc"/> (0 before it).</summary>
    public ulong Since(ulong tsc) => tsc > origin ? Tsc.Microseconds(tsc - origin) : 0;

    /// <summary>Appends <c>gaps=S+L,…</c> (µs after the origin, µs long; <c>none</c>) and <c>stolen_us=N</c>.</summary>
    public void Describe(ref Line line)
    {
        line.Text(" gaps=");
        if (count == 0)
        {
            line.Text("none");
        }
        fixed (ulong* s = starts)
        fixed (ulong* e = ends)
        {
            for (int i = 0; i < count; i++)
            {
                if (i > 0)
                {
                    line.Byte((byte)',');
                }
                line.Decimal(Since(s[i]));
                line.Byte((byte)'+');
                line.Decimal(Tsc.Microseconds(e[i] - s[i]));
            }
        }
        line.Field("stolen_us", Tsc.Microseconds(stolen));
    }
}
