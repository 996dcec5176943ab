using NUnit.Framework;
using Rig.Cases;
using Rig.Protocol;
using Rig.Suites.Time.Oracles;
using Rig.Suites.Time.Records;

namespace Rig.Suites.Time;

/// <summary>
/// time.drift: the guest's TSC (at the frequency it was told) and pvclocks against the host's CLOCK_MONOTONIC_RAW over a
/// stated window, timestamps exchanged over COM2 with the round trip as the error bound; drift in ppm per vCPU and
/// clock, and the release's drift plot.
/// </summary>
[TestFixture]
public sealed class Drift
{
    [TestCaseSource(typeof(ConfiguredTargets), nameof(ConfiguredTargets.Names))]
    public async Task Run(string target)
    {
        int windowMs = Profile.Pick(normal: 20_000, lab: 600_000);
        var bound = TimeRecords.BootBound + TimeSpan.FromMilliseconds(windowMs * 2);
        await using var c = await RigCase.BootAsync(
            target, append: $"ms={windowMs} interval_ms=250", vcpus: TimeRecords.Vcpus, watchdog: bound);
        var exit = await c.RunToExitAsync(bound);
        c.Oracle($"RFC 5905 7.3: NTP disciplines a clock within {Oracles.Drift.NtpTolerancePpm} ppm of true frequency; a guest " +
                 "clock drifting beyond that (at the edge of the exchanges' round-trip error) cannot be kept on time");
        var exchanges = c.Records.Where(r => r.Kind == ExchangeRecord.Kind).ToList();
        if (exchanges.Count == 0)
        {
            c.Error($"the probe printed no exchanges; {exit}");
        }
        else
        {
            c.Evidence($"observed: {exchanges.Count} exchanges, TSC at {exchanges[0][ExchangeRecord.TscHz]} Hz from {exchanges[0][ExchangeRecord.TscHzFrom]}");
        }

        double host0 = exchanges.Count > 0 ? exchanges[0].GetDouble(ExchangeRecord.HostNs) : 0;
        int estimates = 0;
        foreach (var vcpu in exchanges.GroupBy(x => x[ExchangeRecord.Cpu]))
        {
            foreach (var clock in TimeRecords.RecordedClocks)
            {
                var series = vcpu.Where(x => x[clock == ClockNames.Tsc ? ExchangeRecord.Tsc : clock + ClockNames.StepSuffix] is not null).Select(x => Exchange(x, clock)).ToList();
                if (series.Count < 2)
                {
                    continue;
                }

                var estimate = Oracles.Drift.Estimate(series);
                estimates++;
                var what = $"{clock} on vCPU {vcpu.Key}";
                c.Evidence($"measured: {what} {estimate.Ppm:0.###} ppm ±{estimate.ErrorPpm:0.###} over {estimate.WindowSeconds:0.#} s, {estimate.Exchanges} exchanges");
                bool judged = clock != ClockNames.Tsc || Oracles.Drift.IsAdvertised(vcpu.First()[ExchangeRecord.TscHzFrom]);
                c.Metric($"{clock}_drift_ppm", estimate.Ppm, "ppm", judged ? Oracles.Drift.DriftBound : "");
                if (!judged)
                {
                    // The probe timed the TSC against the PIT itself: the figure carries that calibration's error, so
                    // it says nothing about the target that could be judged (qemu-tcg under load: 2057 ppm, all of it
                    // calibration, for a TSC that runs at the host's rate).
                    c.Evidence($"note: {what} is measured at the probe's own PIT calibration of the TSC (the target " +
                               "advertises no TSC frequency): recorded, not judged");
                }
                else if (Oracles.Drift.Check(what, estimate) is { } problem)
                {
                    c.Report(false, problem);
                }

                foreach (var point in series.Skip(1))
                {
                    c.Point($"vcpu{vcpu.Key}.{clock}", (point.HostNs - host0) / 1e9,
                        ((point.GuestNs - series[0].GuestNs) / (point.HostNs - series[0].HostNs) - 1) * 1e6);
                }
            }
        }

        c.Report(estimates > 0 || exchanges.Count == 0, $"{estimates} drift estimates from {exchanges.Count} exchanges");
        c.Finish(exit, $"{estimates} clock/vCPU pairs within {Oracles.Drift.NtpTolerancePpm} ppm of the host");
    }

    /// <summary>One exchange as the oracle takes it: the guest's clock in ns (the TSC at the frequency the guest was told).</summary>
    private static TimeExchange Exchange(Record x, string clock)
    {
        double guestNs = clock == ClockNames.Tsc ? x.GetDouble(ExchangeRecord.Tsc) / x.GetDouble(ExchangeRecord.TscHz) * 1e9 : x.GetDouble(clock + ClockNames.StepSuffix);
        return new TimeExchange(x.GetDouble(ExchangeRecord.HostNs), guestNs, x.GetDouble(ExchangeRecord.RttNs));
    }
}
