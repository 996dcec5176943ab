using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The Xen clock on a fake TSC: continuity across calibrations, and the revert path seed 000 broke.</summary>
public sealed class XenClockTests
{
    private const ulong TscHz = 2_446_000_000;
    private const ulong BootTsc = 1_000_000_000_000;
    private const long HundredYearsNs = 100L * 365 * 24 * 3600 * 1_000_000_000;

    private readonly FakeGuestTsc _tsc = new(2, TscHz);
    private readonly FakeHostClock _host = new();
    private readonly List<(int Vcpu, VcpuTimeInfo Info)> _published = [];

    public XenClockTests() => _tsc.SetAll(BootTsc);

    [Fact]
    public void System_time_starts_at_zero_and_follows_the_tsc()
    {
        var clock = NewClock(DefectSet.None);

        _tsc.AdvanceAll(TscHz);

        Assert.Equal(0, clock.Stamp(0).LocalStime);
        Assert.InRange(clock.GetSTime(0), 999_999_000, 1_000_000_000);
    }

    [Fact]
    public void VCpus_stamped_at_different_moments_read_the_same_time_at_the_same_moment()
    {
        // The first TSC read takes 300 us of host time before it reads (rig-hv JITs on it).
        var slow = new FirstReadSlowTsc(_tsc, _host, TscHz / 1000 * 3 / 10);
        var clock = new XenClock(slow, _host, 2, DefectSet.None, tscStable: true, (v, i) => _published.Add((v, i)));

        _tsc.AdvanceAll(TscHz);

        Assert.InRange(clock.GetSTimeFixed(1, _tsc.GuestTsc(1)) - clock.GetSTimeFixed(0, _tsc.GuestTsc(0)), -2, 2);
    }

    /// <summary>A TSC whose first read lets <c>slowTicks</c> pass first, on the TSC and on the host clock alike.</summary>
    private sealed class FirstReadSlowTsc(FakeGuestTsc tsc, FakeHostClock host, ulong slowTicks) : IGuestTscSource
    {
        private bool _warm;

        public ulong TscHz => tsc.TscHz;

        public bool TscsMatched => tsc.TscsMatched;

        public ulong ReferenceTsc() => tsc.ReferenceTsc();

        public ulong GuestTscAt(int vcpu, ulong referenceTsc) => tsc.GuestTscAt(vcpu, referenceTsc);

        public ulong GuestTsc(int vcpu)
        {
            if (!_warm)
            {
                _warm = true;
                tsc.AdvanceAll(slowTicks);
                host.MonotonicNanoseconds += (long)(slowTicks * 1_000_000_000 / tsc.TscHz);
            }

            return tsc.GuestTsc(vcpu);
        }
    }

    [Fact]
    public void System_time_never_goes_back_across_calibrations_and_stays_on_the_tsc_line()
    {
        var clock = NewClock(DefectSet.None);
        long previous = 0;
        ulong elapsedTicks = 0;
        const int Calibrations = 2000;
        for (int i = 0; i < Calibrations; i++)
        {
            // Uneven steps so the truncation in every re-stamp lands differently.
            ulong step = 1_000_003 + (ulong)(i * 7919 % 100_000);
            _tsc.AdvanceAll(step);
            elapsedTicks += step;
            long before = clock.GetSTime(0);
            clock.Calibrate();
            long after = clock.GetSTime(0);
            Assert.True(before > previous, $"time did not move forward before calibration {i}: {previous} -> {before}");
            Assert.True(after == before, $"calibration {i} moved the time read at the same TSC: {before} -> {after}");
            previous = after;
        }

        // Truncations do not add up over calibrations: the last record reads at most 2 ns below the line (one tick lost
        // to the shift, one ns to the product), as the first did.
        long line = (long)clock.Scale.ScaleDelta(elapsedTicks);
        Assert.Equal(line, clock.GetSTime(0));
        long later = (long)clock.Scale.ScaleDelta(elapsedTicks + 12_345);
        Assert.InRange((long)clock.TimeInfo(0).SystemTimeAt(_tsc.GuestTsc(0) + 12_345), later - 2, later);
        Assert.Equal(Calibrations, clock.CalibrationCount);
    }

    [Fact]
    public void A_record_copied_before_many_calibrations_never_reads_later_than_the_newest_record()
    {
        var clock = NewClock(DefectSet.None);
        _tsc.AdvanceAll(TscHz);
        var copied = clock.TimeInfo(1);

        for (int i = 0; i < 200; i++)
        {
            _tsc.AdvanceAll(1_666_667 + (ulong)(i * 7919 % 100_000 * 2));
            clock.Calibrate();
        }

        ulong tsc = _tsc.GuestTsc(1);
        ulong fromCopy = copied.SystemTimeAt(tsc);
        ulong fromNewest = clock.TimeInfo(1).SystemTimeAt(tsc + 8);
        Assert.True(fromNewest >= fromCopy, $"the newest record reads {fromCopy - fromNewest} ns before the copy");
    }

    [Fact]
    public void A_tsc_latched_before_a_calibration_gives_a_time_just_before_the_new_stamp()
    {
        var clock = NewClock(DefectSet.None);
        _tsc.AdvanceAll(TscHz);
        ulong latched = _tsc.GuestTsc(0);
        long expected = clock.GetSTimeFixed(0, latched);
        _tsc.AdvanceAll(1000);
        clock.Calibrate();

        long afterRendezvous = clock.GetSTimeFixed(0, latched);

        Assert.InRange(afterRendezvous, expected - 2, expected + 2);
    }

    [Fact]
    public void With_unsigned_scale_delta_a_tsc_latched_before_a_calibration_gives_centuries()
    {
        var clock = NewClock(Defects(DefectCatalog.UnsignedScaleDelta));
        _tsc.AdvanceAll(TscHz);
        ulong latched = _tsc.GuestTsc(0);
        _tsc.AdvanceAll(1000);
        clock.Calibrate();

        Assert.True(clock.GetSTimeFixed(0, latched) > HundredYearsNs);
    }

    [Fact]
    public void After_a_revert_that_rewinds_the_tsc_time_is_what_it_was_at_the_snapshot()
    {
        var clock = NewClock(DefectSet.None);
        _tsc.AdvanceAll(TscHz / 2);
        ulong snapshotTsc = _tsc.GuestTsc(0);
        long snapshotTime = clock.GetSTime(0);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();

        ulong[] sync = clock.LatchTsc();
        _tsc.SetAll(snapshotTsc);
        clock.RecomputeAfterRevert(sync);

        Assert.InRange(clock.GetSTime(0), snapshotTime - 2, snapshotTime + 2);
        Assert.InRange((long)_published[^1].Info.SystemTime, snapshotTime - 2, snapshotTime + 2);
        Assert.Equal(snapshotTsc, _published[^1].Info.TscTimestamp);
    }

    [Fact]
    public void A_calibration_racing_a_revert_that_cannot_rewind_the_tsc_leaves_time_continuous()
    {
        // kvm_pvm ignores TSC writes (measured), so a revert leaves the TSC running; the latched TSC is then older
        // than the stamp a racing calibration took, which is the negative delta of seed 000 without any rewind.
        var clock = NewClock(DefectSet.None);
        _tsc.AdvanceAll(TscHz);
        ulong[] sync = clock.LatchTsc();
        long atLatch = clock.GetSTime(0);
        _tsc.AdvanceAll(TscHz / 1000);
        clock.Calibrate();
        _tsc.AdvanceAll(TscHz / 1000);

        clock.RecomputeAfterRevert(sync);

        long expected = atLatch + (long)clock.Scale.ScaleDelta(2 * (TscHz / 1000));
        Assert.InRange(clock.GetSTime(0), expected - 3, expected + 3);
    }

    [Fact]
    public void With_unsigned_scale_delta_a_revert_that_rewinds_the_tsc_jumps_time_by_centuries()
    {
        var clock = NewClock(Defects(DefectCatalog.UnsignedScaleDelta));
        _tsc.AdvanceAll(TscHz / 2);
        ulong snapshotTsc = _tsc.GuestTsc(0);
        _tsc.AdvanceAll(TscHz);

        ulong[] sync = clock.LatchTsc();
        _tsc.SetAll(snapshotTsc);
        clock.RecomputeAfterRevert(sync);

        Assert.True(clock.GetSTime(0) > HundredYearsNs, $"expected a jump of centuries, got {clock.GetSTime(0)} ns");
        Assert.True(_published[^1].Info.SystemTime > HundredYearsNs);
    }

    [Fact]
    public void With_unsigned_scale_delta_a_calibration_racing_a_revert_jumps_time_by_centuries()
    {
        var clock = NewClock(Defects(DefectCatalog.UnsignedScaleDelta));
        _tsc.AdvanceAll(TscHz);
        ulong[] sync = clock.LatchTsc();
        _tsc.AdvanceAll(1000);
        clock.Calibrate();

        clock.RecomputeAfterRevert(sync);

        Assert.True(clock.GetSTime(0) > HundredYearsNs, $"expected a jump of centuries, got {clock.GetSTime(0)} ns");
    }

    [Fact]
    public void With_unsigned_scale_delta_a_revert_without_a_race_or_a_rewind_is_harmless()
    {
        var clock = NewClock(Defects(DefectCatalog.UnsignedScaleDelta));
        _tsc.AdvanceAll(TscHz);
        ulong[] sync = clock.LatchTsc();
        _tsc.AdvanceAll(1000);

        clock.RecomputeAfterRevert(sync);

        Assert.InRange(clock.GetSTime(0), 1_000_000_000 - 2, 1_000_000_000 + 410);
    }

    [Fact]
    public void A_revert_needs_one_latched_tsc_per_vcpu()
    {
        var clock = NewClock(DefectSet.None);

        Assert.Throws<ArgumentException>(() => clock.RecomputeAfterRevert([1UL]));
    }

    [Fact]
    public void With_unsigned_scale_delta_time_is_unchanged_while_the_tsc_only_moves_forward()
    {
        var clean = NewClock(DefectSet.None);
        var defective = NewClock(Defects(DefectCatalog.UnsignedScaleDelta));
        for (int i = 0; i < 10; i++)
        {
            _tsc.AdvanceAll(TscHz / 10);
            clean.Calibrate();
            defective.Calibrate();
        }

        Assert.Equal(clean.GetSTime(1), defective.GetSTime(1));
    }

    [Fact]
    public void Each_vcpu_pairs_its_own_tsc_with_the_same_system_time_so_a_skewed_tsc_does_not_skew_pvclock()
    {
        _tsc.Set(1, BootTsc - TscOffsetSkew.SkewTicks(TscHz));
        var clock = NewClock(DefectSet.None);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();

        var info0 = clock.TimeInfo(0);
        var info1 = clock.TimeInfo(1);

        Assert.Equal(TscOffsetSkew.SkewTicks(TscHz), info0.TscTimestamp - info1.TscTimestamp);
        Assert.Equal(info0.SystemTimeAt(_tsc.GuestTsc(0)), info1.SystemTimeAt(_tsc.GuestTsc(1)));
    }

    [Fact]
    public void Calibration_records_the_platform_time_from_the_host_monotonic_clock()
    {
        var clock = NewClock(DefectSet.None);
        _host.MonotonicNanoseconds += 250_000_000;
        _tsc.AdvanceAll(TscHz / 4);

        clock.Calibrate();

        Assert.Equal(250_000_000, clock.Stamp(0).MasterStime);
    }

    [Fact]
    public void Every_calibration_publishes_every_vcpu_with_the_scale_and_the_stable_flag()
    {
        var clock = NewClock(DefectSet.None);
        _tsc.AdvanceAll(TscHz);

        clock.Calibrate();

        Assert.Equal([0, 1], _published.Select(p => p.Vcpu));
        Assert.All(_published, p => Assert.Equal(clock.Scale, p.Info.Scale));
        Assert.All(_published, p => Assert.Equal(VcpuTimeInfo.TscStableFlag, p.Info.Flags));
    }

    [Fact]
    public void Without_a_stable_tsc_the_stable_flag_is_clear()
    {
        var clock = new XenClock(_tsc, _host, 2, DefectSet.None, tscStable: false, (v, i) => _published.Add((v, i)));

        clock.Republish(0);

        Assert.Equal(0, _published.Single().Info.Flags);
    }

    private XenClock NewClock(DefectSet defects) =>
        new(_tsc, _host, 2, defects, tscStable: true, (vcpu, info) => _published.Add((vcpu, info)));

    private static DefectSet Defects(string name)
    {
        var set = new DefectSet();
        set.Enable(name);
        return set;
    }
}
