using System.Buffers.Binary;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.KvmClock;
using Rig.Hypervisor.Tests.Xen;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.KvmClock;

/// <summary>rig-hv's kvmclock on a fake TSC and fake guest RAM: the stable bit's promise, reverts, and seed 000's wrap.</summary>
public sealed class KvmClockPublisherTests
{
    private const ulong TscHz = 2_499_998_000;
    private const ulong BootTsc = 1_000_000_000_000;
    private const long HundredYearsNs = 100L * 365 * 24 * 3600 * 1_000_000_000;
    private const ulong Record0 = 0x1000;
    private const ulong Record1 = 0x1040;
    private const ulong WallClockGpa = 0x2000;

    private readonly FakeGuestTsc _tsc = new(2, TscHz);
    private readonly FakeHostClock _host = new();
    private readonly FakeGuestMemory _memory = new(0x4000);

    public KvmClockPublisherTests()
    {
        // Both vCPUs' TSCs equal, and far from the reference counter: the common offset must not matter.
        _tsc.SetAll(BootTsc);
        _tsc.Set(0, BootTsc + 123_456_789);
        _tsc.Set(1, BootTsc + 123_456_789);
    }

    [Fact]
    public void Every_vcpu_reads_the_same_time_at_the_same_moment_across_calibrations()
    {
        var (clock, kvm) = NewClock(DefectSet.None);
        EnableBoth(kvm);

        for (int i = 0; i < 500; i++)
        {
            _tsc.AdvanceAll(1_000_003 + (ulong)(i * 7919 % 100_000));
            clock.Calibrate();
            ulong moment = _tsc.ReferenceTsc() + 17;
            ulong onVcpu0 = InRam(Record0).SystemTimeAt(_tsc.GuestTscAt(0, moment));
            ulong onVcpu1 = InRam(Record1).SystemTimeAt(_tsc.GuestTscAt(1, moment));
            Assert.Equal(onVcpu0, onVcpu1);

            // One tick later on the other vCPU is never earlier: the stable bit's promise.
            Assert.True(InRam(Record0).SystemTimeAt(_tsc.GuestTscAt(0, moment + 1)) >= onVcpu1);
        }

        Assert.True(kvm.Stable);
        Assert.Equal(VcpuTimeInfo.TscStableFlag, InRam(Record0).Flags);
        Assert.Equal(VcpuTimeInfo.TscStableFlag, InRam(Record1).Flags);
    }

    [Fact]
    public void A_record_copied_before_many_calibrations_never_reads_later_than_the_newest_record()
    {
        // A reader copies its record, then is descheduled before it reads the TSC (calibration-race on the clean
        // reference: 34 ns back on vCPU 1 with ~600 forced calibrations a second). Every update must continue the
        // copied record's line, or that reader's next reading steps back.
        var (clock, kvm) = NewClock(DefectSet.None);
        EnableBoth(kvm);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();
        var copied = InRam(Record1);

        for (int i = 0; i < 200; i++)
        {
            // Odd, uneven steps: the truncations of every rescaling land differently.
            _tsc.AdvanceAll(1_666_667 + (ulong)(i * 7919 % 100_000 * 2));
            clock.Calibrate();
        }

        ulong tsc = _tsc.GuestTsc(1);
        ulong fromCopy = copied.SystemTimeAt(tsc);

        // Two ordered TSC reads are tens of cycles apart; 8 cycles is ~3 ns here.
        ulong fromNewest = InRam(Record1).SystemTimeAt(tsc + 8);
        Assert.True(fromNewest >= fromCopy, $"the newest record reads {fromCopy - fromNewest} ns before the copy");
    }

    [Fact]
    public void Offsets_remeasured_lower_within_their_brackets_at_a_revert_leave_every_line_where_it_was()
    {
        // At a revert rig-hv measures the offsets again; the guest's TSC did not move, but the VMM's view of it may
        // move by up to a bracket (~6000 cycles under load). Matched, both move together, and no line may follow.
        var (clock, kvm) = NewClock(DefectSet.None);
        EnableBoth(kvm);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();
        long guestOffset = (long)_tsc.GuestTsc(1) - (long)_tsc.ReferenceTsc();
        var before = new[] { InRam(Record0), InRam(Record1) };

        ulong[] sync = clock.LatchTsc();
        _tsc.Set(0, _tsc.GuestTsc(0) - 1300);
        _tsc.Set(1, _tsc.GuestTsc(1) - 1300);
        clock.Calibrate();
        clock.RecomputeAfterRevert(sync);

        ulong guestTsc = (ulong)((long)_tsc.ReferenceTsc() + guestOffset) + 5000;
        for (int vcpu = 0; vcpu < 2; vcpu++)
        {
            long moved = (long)InRam(vcpu == 0 ? Record0 : Record1).SystemTimeAt(guestTsc) - (long)before[vcpu].SystemTimeAt(guestTsc);
            Assert.InRange(moved, -2, 2);
        }
    }

    [Fact]
    public void Kvmclock_follows_the_xen_clock_system_time_of_vcpu_0()
    {
        var (clock, kvm) = NewClock(DefectSet.None);
        EnableBoth(kvm);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();
        _tsc.AdvanceAll(TscHz / 3);

        long kvmclock = (long)InRam(Record1).SystemTimeAt(_tsc.GuestTsc(1));

        Assert.InRange(kvmclock, clock.GetSTime(0) - 2, clock.GetSTime(0) + 2);
    }

    [Fact]
    public void Vcpus_whose_tscs_differ_get_no_stable_bit()
    {
        var (_, kvm) = NewClock(DefectSet.None);
        _tsc.Set(1, _tsc.GuestTsc(0) - (TscHz / 50_000));

        EnableBoth(kvm);

        Assert.False(kvm.Stable);
        Assert.Equal(0, InRam(Record0).Flags & VcpuTimeInfo.TscStableFlag);
        Assert.Equal(0, InRam(Record1).Flags & VcpuTimeInfo.TscStableFlag);
    }

    [Fact]
    public void A_boot_vcpu_on_the_legacy_msr_gets_no_stable_bit_as_kvm_decides()
    {
        var (_, kvm) = NewClock(DefectSet.None);

        kvm.WriteMsr(0, KvmClockMsr.SystemTime, Record0 | KvmClockMsr.Enable);
        kvm.WriteMsr(1, KvmClockMsr.SystemTime, Record1 | KvmClockMsr.Enable);

        Assert.False(kvm.Stable);
        Assert.Equal(0, InRam(Record1).Flags);
        Assert.Equal(Record0 | KvmClockMsr.Enable, kvm.ReadMsr(0, KvmClockMsr.SystemTime));
    }

    [Fact]
    public void A_record_is_written_only_while_enabled_and_stays_put_once_disabled()
    {
        var (clock, kvm) = NewClock(DefectSet.None);

        kvm.WriteMsr(0, KvmClockMsr.SystemTimeNew, Record0);
        Assert.Equal(0u, Version(Record0));

        kvm.WriteMsr(0, KvmClockMsr.SystemTimeNew, Record0 | KvmClockMsr.Enable);
        uint enabled = Version(Record0);
        Assert.True(enabled > 0 && enabled % 2 == 0, $"version {enabled}: a finished update is even and not 0");

        kvm.WriteMsr(0, KvmClockMsr.SystemTimeNew, Record0);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();
        Assert.Equal(enabled, Version(Record0));
    }

    [Fact]
    public void The_wall_clock_msr_writes_the_boot_wall_time()
    {
        var (clock, kvm) = NewClock(DefectSet.None);

        kvm.WriteMsr(0, KvmClockMsr.WallClockNew, WallClockGpa);

        var area = _memory.At(WallClockGpa, 12);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(area));
        Assert.Equal((uint)(clock.BootRealtimeNanoseconds / 1_000_000_000), BinaryPrimitives.ReadUInt32LittleEndian(area[4..]));
        Assert.Equal((uint)(clock.BootRealtimeNanoseconds % 1_000_000_000), BinaryPrimitives.ReadUInt32LittleEndian(area[8..]));
        Assert.Equal(WallClockGpa, kvm.ReadMsr(1, KvmClockMsr.WallClock));
    }

    [Fact]
    public void A_reset_turns_kvmclock_off()
    {
        var (_, kvm) = NewClock(DefectSet.None);
        EnableBoth(kvm);

        kvm.Reset();

        Assert.Equal(0UL, kvm.ReadMsr(0, KvmClockMsr.SystemTimeNew));
        Assert.Equal(0UL, kvm.ReadMsr(1, KvmClockMsr.SystemTimeNew));
    }

    [Fact]
    public void After_a_revert_with_a_calibration_in_its_window_records_are_rewritten_stable_and_continuous()
    {
        var (clock, kvm) = NewClock(DefectSet.None);
        EnableBoth(kvm);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();
        var saved = kvm.SaveState();
        byte[] savedRam = [.. _memory.Ram];
        kvm.WriteMsr(1, KvmClockMsr.SystemTimeNew, 0);

        _tsc.AdvanceAll(TscHz / 100);
        ulong[] sync = clock.LatchTsc();
        long atLatch = clock.GetSTime(0);
        _tsc.AdvanceAll(1000);
        clock.Calibrate();
        savedRam.CopyTo(_memory.Ram, 0);
        kvm.Restore(saved);
        clock.RecomputeAfterRevert(sync);

        Assert.Equal(Record1 | KvmClockMsr.Enable, kvm.ReadMsr(1, KvmClockMsr.SystemTimeNew));
        ulong moment = _tsc.ReferenceTsc();
        ulong onVcpu0 = InRam(Record0).SystemTimeAt(_tsc.GuestTscAt(0, moment));
        ulong onVcpu1 = InRam(Record1).SystemTimeAt(_tsc.GuestTscAt(1, moment));
        Assert.Equal(onVcpu0, onVcpu1);
        Assert.InRange((long)onVcpu0, atLatch, atLatch + 1000);
        Assert.Equal(VcpuTimeInfo.TscStableFlag, InRam(Record1).Flags);
    }

    [Fact]
    public void With_unsigned_scale_delta_a_calibration_in_the_revert_window_throws_kvmclock_centuries_ahead()
    {
        var (clock, kvm) = NewClock(Defects(DefectCatalog.UnsignedScaleDelta));
        EnableBoth(kvm);
        _tsc.AdvanceAll(TscHz);
        clock.Calibrate();
        ulong before = InRam(Record1).SystemTimeAt(_tsc.GuestTsc(1));

        ulong[] sync = clock.LatchTsc();
        _tsc.AdvanceAll(1000);
        clock.Calibrate();
        clock.RecomputeAfterRevert(sync);

        ulong after = InRam(Record1).SystemTimeAt(_tsc.GuestTsc(1));
        Assert.True(after - before > HundredYearsNs, $"expected a jump of centuries, got {after - before} ns");
    }

    private (XenClock Clock, KvmClockPublisher Kvm) NewClock(DefectSet defects)
    {
        var clock = new XenClock(_tsc, _host, 2, defects, tscStable: true, (_, _) => { });
        return (clock, new KvmClockPublisher(_tsc, clock, _memory, new TimeRecordWriter(defects)));
    }

    private static DefectSet Defects(string name)
    {
        var set = new DefectSet();
        set.Enable(name);
        return set;
    }

    private static void EnableBoth(KvmClockPublisher kvm)
    {
        kvm.WriteMsr(0, KvmClockMsr.SystemTimeNew, Record0 | KvmClockMsr.Enable);
        kvm.WriteMsr(1, KvmClockMsr.SystemTimeNew, Record1 | KvmClockMsr.Enable);
    }

    private VcpuTimeInfo InRam(ulong gpa)
    {
        Assert.Equal(0u, Version(gpa) % 2);
        return VcpuTimeInfo.ReadFrom(_memory.At(gpa, VcpuTimeInfo.Size));
    }

    private uint Version(ulong gpa) => BinaryPrimitives.ReadUInt32LittleEndian(_memory.At(gpa, 4));
}
