using System.Globalization;
using Rig.Protocol;
using Rig.Suites.Apic.Records;

namespace Rig.Suites.Apic.Oracles;

/// <summary>One arming of the LAPIC timer as the probe saw it (Records/ArmingRecord.cs); every time in µs after the arming began.</summary>
public sealed record TimerArming(
    string Apic,
    string Mode,
    double PeriodUs,
    double WriteUs,
    double EndUs,
    IReadOnlyList<double> Ticks,
    IReadOnlyList<(double From, double To)> Gaps)
{
    public string What => $"{Mode} ({Apic})";

    public static TimerArming From(Record r) => new(
        r[ArmingRecord.Apic] ?? "?",
        r[ArmingRecord.Mode] ?? "?",
        r.GetDouble(ArmingRecord.PeriodUs),
        r.GetDouble(ArmingRecord.WriteUs),
        r.GetDouble(ArmingRecord.EndUs),
        [.. List(r[ArmingRecord.Ticks]).Select(Number)],
        [.. List(r[ArmingRecord.Gaps]).Select(g => g.Split('+')).Select(g => (Number(g[0]), Number(g[0]) + Number(g[1])))]);

    /// <summary>How long the probe ran within [<paramref name="from"/>, <paramref name="to"/>]: the span less the gaps in it.</summary>
    public double RanUs(double from, double to)
    {
        if (to <= from)
        {
            return 0;
        }

        double stopped = Gaps.Sum(g => Math.Max(0, Math.Min(g.To, to) - Math.Max(g.From, from)));
        return to - from - stopped;
    }

    private static IEnumerable<string> List(string? value) =>
        string.IsNullOrEmpty(value) || value == "none" ? [] : value.Split(',');

    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
