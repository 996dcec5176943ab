using System.Globalization;
using Rig.Hypervisor.Vm;
using Rig.Protocol;
using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic.Oracles;

/// <summary>
/// One arming of the LAPIC timer as the probe saw it (Records/ArmingRecord.cs); every time in µs after the arming began.
/// <paramref name="HostLate"/> are the stretches in which the VMM had asked its host to take the vCPU out of the guest
/// and the host had not yet (rig-hv's <see cref="HostLateRecord"/>s, placed on the arming's line by its TSC origin).
/// </summary>
public sealed record TimerArming(
    string Apic,
    string Mode,
    double PeriodUs,
    double WriteUs,
    double EndUs,
    IReadOnlyList<double> Ticks,
    IReadOnlyList<(double From, double To)> Gaps,
    IReadOnlyList<(double From, double To)> HostLate)
{
    public string What => $"{Mode} ({Apic})";

    /// <param name="hostRecords">The VMM's records (RigCase.HostRecords): its host-late stretches of the BSP, where the probe arms.</param>
    public static TimerArming From(Record r, IReadOnlyList<Record> hostRecords)
    {
        double end = r.GetDouble(ArmingRecord.EndUs);
        return new(
            r[ArmingRecord.Apic] ?? "?",
            r[ArmingRecord.Mode] ?? "?",
            r.GetDouble(ArmingRecord.PeriodUs),
            r.GetDouble(ArmingRecord.WriteUs),
            end,
            [.. List(r[ArmingRecord.Ticks]).Select(Number)],
            [.. List(r[ArmingRecord.Gaps]).Select(g => g.Split('+')).Select(g => (Number(g[0]), Number(g[0]) + Number(g[1])))],
            r[ArmingRecord.OriginTsc] is null ? [] : [.. HostLateOn(r.GetInt64(ArmingRecord.OriginTsc), end, hostRecords)]);
    }

    /// <summary>
    /// How long the probe ran within [<paramref name="from"/>, <paramref name="to"/>] while the host was not keeping the
    /// VMM from acting: the span less the gaps and host-late stretches in it (overlaps counted once).
    /// </summary>
    public double RanUs(double from, double to)
    {
        if (to <= from)
        {
            return 0;
        }

        double excused = 0, reached = from;
        foreach (var (start, stop) in Gaps.Concat(HostLate).OrderBy(s => s.From))
        {
            double a = Math.Max(start, reached), b = Math.Min(stop, to);
            if (b > a)
            {
                excused += b - a;
                reached = b;
            }
        }

        return to - from - excused;
    }

    private static IEnumerable<(double From, double To)> HostLateOn(long originTsc, double endUs, IReadOnlyList<Record> hostRecords)
    {
        foreach (var h in hostRecords.Where(h => h.Kind == HostLateRecord.Kind && !h.Damaged && h[HostLateRecord.Vcpu] == "0"))
        {
            double cyclesPerUs = h.GetInt64(HostLateRecord.TscKhz) / 1000.0;
            if (cyclesPerUs <= 0)
            {
                continue;
            }

            double from = (h.GetInt64(HostLateRecord.AskedTsc) - originTsc) / cyclesPerUs;
            double to = (h.GetInt64(HostLateRecord.WokeTsc) - originTsc) / cyclesPerUs;
            if (to > 0 && from < endUs)
            {
                yield return (from, to);
            }
        }
    }

    private static IEnumerable<string> List(string? value) =>
        string.IsNullOrEmpty(value) || value == "none" ? [] : value.Split(',');

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
