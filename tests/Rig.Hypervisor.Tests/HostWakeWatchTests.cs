using System.Globalization;
using System.Runtime.InteropServices;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Tests;

/// <summary>
/// The host-late record without a VM: a KVM_RUN is a sleep between Entering and Returned, the kicker unbound (its
/// deadline kept, not programmed), so what is tested is which wishes count and what the record says.
/// </summary>
public sealed unsafe class HostWakeWatchTests : IDisposable
{
    private const ulong TscKhz = 2_000_000;
    private readonly byte* _page = (byte*)NativeMemory.AllocZeroed(4096);
    private readonly GuestClock _clock = new(1, TscKhz, DefectSet.None);
    private readonly List<string> _written = [];
    private readonly VcpuKicker _kicker;
    private readonly HostWakeWatch _watch;

    public HostWakeWatchTests()
    {
        _kicker = new VcpuKicker(new KvmRunPage(_page));
        _watch = new HostWakeWatch(0, _kicker, _clock, _written.Add);
    }

    public void Dispose() => NativeMemory.Free(_page);

    [Fact]
    public void A_deadline_passed_long_before_the_return_is_written_with_its_stretch_on_the_vcpus_tsc()
    {
        _watch.Entering();
        long deadline = _clock.NowNs + 1_000_000;
        _kicker.KickAt(deadline);
        Thread.Sleep(20);
        long before = _clock.NowNs;
        _watch.Returned();
        long after = _clock.NowNs;

        var words = Assert.Single(_written).Split(' ');
        Assert.Equal(["RIG", HostLateRecord.Kind], words[..2]);
        var fields = words[2..].Select(w => w.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.Equal("0", fields[HostLateRecord.Vcpu]);
        Assert.Equal(TscKhz.ToString(CultureInfo.InvariantCulture), fields[HostLateRecord.TscKhz]);
        double stretchUs = (Hex(fields[HostLateRecord.WokeTsc]) - Hex(fields[HostLateRecord.AskedTsc])) / (TscKhz / 1000.0);
        // The watch reads the clock inside Returned: its stretch lies between the reads just before and just after,
        // whatever the host's scheduler did in between (a loaded CI host once put 2.5 ms there).
        Assert.InRange(stretchUs, (before - deadline) / 1000.0 - 1, (after - deadline) / 1000.0 + 1);
    }

    private static long Hex(string value) => long.Parse(value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [Fact]
    public void A_kick_from_another_thread_counts_from_when_it_was_sent()
    {
        _watch.Entering();
        Thread.Sleep(2);
        var kick = new Thread(_kicker.Kick);
        kick.Start();
        kick.Join();
        Thread.Sleep(20);
        _watch.Returned();

        Assert.Single(_written);
    }

    [Fact]
    public void A_return_before_the_deadline_writes_nothing()
    {
        // A return within ReportAfterNs of the deadline cannot be staged without a scheduler's promise; one before it can.
        _watch.Entering();
        _kicker.KickAt(_clock.NowNs + 10_000_000_000);
        _watch.Returned();

        Assert.Empty(_written);
    }

    [Fact]
    public void A_deadline_the_vmm_dropped_or_had_before_the_entry_writes_nothing()
    {
        _watch.Entering();
        _kicker.KickAt(_clock.NowNs + 1_000_000);
        Thread.Sleep(5);
        _kicker.KickAt(long.MaxValue);
        _watch.Returned();

        _kicker.KickAt(_clock.NowNs - 1_000_000);
        _watch.Entering();
        Thread.Sleep(5);
        _watch.Returned();

        Assert.Empty(_written);
    }

    [Fact]
    public void An_acknowledged_kick_is_forgotten()
    {
        _kicker.Kick();
        _kicker.Acknowledge();
        _watch.Entering();
        Thread.Sleep(5);
        _watch.Returned();

        Assert.Empty(_written);
    }
}
