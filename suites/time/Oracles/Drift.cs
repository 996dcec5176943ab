namespace Rig.Suites.Time.Oracles;

/// <summary>One exchange over COM2: the guest's clock at the midpoint and the host's CLOCK_MONOTONIC_RAW, with the round trip.</summary>
public sealed record TimeExchange(double HostNs, double GuestNs, double RoundTripNs);

/// <summary>A guest clock's rate against the host's: parts per million, and the bound the exchange error puts on it.</summary>
public sealed record DriftEstimate(double Ppm, double ErrorPpm, double WindowSeconds, int Exchanges);

/// <summary>
/// Drift = slope of guest time over host time, minus one, in ppm (least squares). Each exchange's host
/// timestamp is uncertain by half its round trip, and the least-squares slope is a weighted sum of every exchange
/// (weight (h_i - mean) / Σ(h - mean)²), so its error is bounded by Σ |weight_i| · rtt_i / 2: every round trip counts,
/// not only the first and last (a long round trip in the middle once made a clean run "drift" 8650 ppm ± 7900 under
/// load 90). With two exchanges the bound is (rtt_first + rtt_last) / 2 / window. It is stated with every estimate.
/// </summary>
public static class Drift
{
    /// <summary>
    /// NTP's frequency tolerance (RFC 5905 section 7.3, PHI and the 500 PPM limit of the clock discipline): a guest
    /// clock off by more than this cannot be disciplined, so a guest timekeeping on it drifts without bound.
    /// </summary>
    public const double NtpTolerancePpm = 500;

    /// <summary>What the report says judges a drift the target's advertised frequency made (<c>drift_ppm</c>).</summary>
    public static readonly string DriftBound = $"Drift: |drift| minus its error bound at most {NtpTolerancePpm:0} ppm (RFC 5905 7.3)";

    /// <summary>
    /// The guest's TSC frequency came from the target (CPUID 0x15/0x16, the hypervisor's leaf 0x40000010, kvmclock's
    /// scale, or Xen's time leaf, public/arch-x86/cpuid.h: base+3 subleaf 0 ECX = the guest's TSC kHz), so a TSC drift is
    /// the target's; <c>pit</c> is the probe's own calibration and <c>none</c> no frequency.
    /// </summary>
    public static bool IsAdvertised(string? tscHzFrom) => tscHzFrom is "cpuid15" or "cpuid16" or "hv-leaf" or "kvmclock" or "xen-leaf";

    /// <summary>A problem when the drift is beyond NTP's tolerance even at the edge of its error bound.</summary>
    public static string? Check(string what, DriftEstimate d) =>
        Math.Abs(d.Ppm) - d.ErrorPpm > NtpTolerancePpm
            ? $"{what} drifts {d.Ppm:0.#} ppm (±{d.ErrorPpm:0.#}) against the host's CLOCK_MONOTONIC_RAW over {d.WindowSeconds:0.#} s, " +
              $"beyond NTP's {NtpTolerancePpm} ppm tolerance"
            : null;

    public static DriftEstimate Estimate(IReadOnlyList<TimeExchange> x)
    {
        if (x.Count < 2)
        {
            throw new ArgumentException("drift needs at least two exchanges", nameof(x));
        }

        double h0 = x[0].HostNs, g0 = x[0].GuestNs;
        double meanH = x.Average(e => e.HostNs - h0), meanG = x.Average(e => e.GuestNs - g0);
        double cov = x.Sum(e => (e.HostNs - h0 - meanH) * (e.GuestNs - g0 - meanG));
        double varH = x.Sum(e => Math.Pow(e.HostNs - h0 - meanH, 2));
        if (varH <= 0)
        {
            throw new ArgumentException("drift needs exchanges at different host times", nameof(x));
        }

        double window = x[^1].HostNs - h0;
        double error = x.Sum(e => Math.Abs(e.HostNs - h0 - meanH) / varH * e.RoundTripNs / 2) * 1e6;
        return new DriftEstimate((cov / varH - 1) * 1e6, error, window / 1e9, x.Count);
    }
}
