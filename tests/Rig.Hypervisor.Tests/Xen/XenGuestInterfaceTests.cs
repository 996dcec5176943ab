using System.Buffers.Binary;
using System.Text;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>Hypercalls, the hypercall MSR and snapshot state, driven as the VMM core's exits would drive them.</summary>
public sealed class XenGuestInterfaceTests : IDisposable
{
    private const ulong TscHz = 2_446_000_000;
    private const ulong SharedInfoGpa = 0x8000;
    private const ulong ArgumentGpa = 0x3000;
    private const ulong TimeAreaGpa = 0x5040;

    private readonly FakeGuestTsc _tsc = new(2, TscHz);
    private readonly FakeHostClock _host = new();
    private readonly FakeGuestMemory _memory = new(64 * 1024);
    private readonly XenGuestInterface _xen;

    public XenGuestInterfaceTests()
    {
        _tsc.SetAll(77_000_000);
        // A calibration period of an hour keeps the background timer out of these tests; they calibrate by hand.
        _xen = new XenGuestInterface(_tsc, _memory, _host, 2, DefectSet.None, tscStable: true, TimeSpan.FromHours(1));
    }

    public void Dispose() => _xen.Dispose();

    [Fact]
    public void The_hypercall_msr_copies_the_page_to_the_named_frame()
    {
        Assert.True(_xen.WriteHypercallPageMsr(0x6000));

        Assert.Equal(XenHypercallPage.Build(), _memory.At(0x6000, 4096).ToArray());
    }

    [Theory]
    [InlineData(0x6001UL)] // page index 1: there is only one page
    [InlineData(0x1_0000_0000UL)] // not RAM
    public void The_hypercall_msr_refuses_what_xen_refuses(ulong value)
    {
        Assert.False(_xen.WriteHypercallPageMsr(value));
    }

    [Fact]
    public void Add_to_physmap_places_shared_info_with_every_vcpus_time_and_the_wallclock()
    {
        _memory.At(SharedInfoGpa, 4096).Fill(0xEE);
        _tsc.AdvanceAll(TscHz);
        _xen.Clock.Calibrate();

        Assert.Equal(0, AddSharedInfo(MemoryOpHypercall.DomidSelf, idx: 0, SharedInfoGpa >> 12));

        for (int vcpu = 0; vcpu < 2; vcpu++)
        {
            var area = _memory.At(SharedInfoGpa + (ulong)SharedInfoLayout.VcpuTimeOffset(vcpu), VcpuTimeInfo.Size);
            Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(area));
            Assert.Equal(_xen.Clock.TimeInfo(vcpu), VcpuTimeInfo.ReadFrom(area));
        }

        var page = _memory.At(SharedInfoGpa, 4096);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(page[3072..]));
        Assert.Equal(1_700_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(page[3076..]));
        Assert.Equal(123_456_789u, BinaryPrimitives.ReadUInt32LittleEndian(page[3080..]));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(page[2048..])); // the rest starts zeroed
    }

    [Fact]
    public void Calibration_republishes_shared_info_with_the_version_advanced_by_two()
    {
        AddSharedInfo(MemoryOpHypercall.DomidSelf, idx: 0, SharedInfoGpa >> 12);
        _tsc.AdvanceAll(TscHz);

        _xen.Clock.Calibrate();

        var area = _memory.At(SharedInfoGpa + (ulong)SharedInfoLayout.VcpuTimeOffset(1), VcpuTimeInfo.Size);
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(area));
        Assert.Equal(_tsc.GuestTsc(1), VcpuTimeInfo.ReadFrom(area).TscTimestamp);
    }

    [Fact]
    public void Moving_shared_info_carries_its_contents()
    {
        AddSharedInfo(MemoryOpHypercall.DomidSelf, idx: 0, SharedInfoGpa >> 12);
        _memory.At(SharedInfoGpa + 2048, 1)[0] = 0x81; // an event-channel pending bit the guest set

        Assert.Equal(0, AddSharedInfo(MemoryOpHypercall.DomidSelf, idx: 0, 0xA));

        Assert.Equal(0x81, _memory.At(0xA000 + 2048, 1)[0]);
        Assert.Equal(0xA000UL, _xen.Publisher.SharedInfoGpa);
    }

    [Theory]
    [InlineData((ushort)1, 0UL, 8UL, XenErrno.Esrch)] // another domain
    [InlineData(MemoryOpHypercall.DomidSelf, 1UL, 8UL, XenErrno.Einval)] // shared_info has only frame 0
    [InlineData(MemoryOpHypercall.DomidSelf, 0UL, 0x10_0000UL, XenErrno.Einval)] // not RAM
    public void Add_to_physmap_refuses_what_xen_refuses(ushort domid, ulong idx, ulong gpfn, long expected)
    {
        Assert.Equal(expected, AddSharedInfo(domid, idx, gpfn));
        Assert.Null(_xen.Publisher.SharedInfoGpa);
    }

    [Fact]
    public void A_hypercall_argument_on_an_unmapped_page_faults()
    {
        _memory.Unmap(Linear(ArgumentGpa));

        Assert.Equal(XenErrno.Efault, AddSharedInfo(MemoryOpHypercall.DomidSelf, 0, 8));
    }

    [Fact]
    public void An_argument_straddling_two_pages_is_read_from_both()
    {
        const ulong Straddling = 0x3FF0;
        WriteAddToPhysmap(Straddling, MemoryOpHypercall.DomidSelf, 0, SharedInfoGpa >> 12);

        var result = Call(XenHypercallNumber.MemoryOp, new(MemoryOpHypercall.AddToPhysmap, Linear(Straddling), 0, 0, 0));

        Assert.Equal(0, result);
        Assert.Equal(SharedInfoGpa, _xen.Publisher.SharedInfoGpa);
    }

    [Fact]
    public void Unknown_hypercalls_memory_ops_and_map_spaces_are_not_implemented()
    {
        Assert.Equal(XenErrno.Enosys, Call(XenHypercallNumber.EventChannelOp, default));
        Assert.Equal(XenErrno.Enosys, Call(XenHypercallNumber.MemoryOp, new(1, Linear(ArgumentGpa), 0, 0, 0)));
        WriteAddToPhysmap(ArgumentGpa, MemoryOpHypercall.DomidSelf, 0, 8);
        BinaryPrimitives.WriteUInt32LittleEndian(_memory.At(ArgumentGpa + 4, 4), 1); // XENMAPSPACE_grant_table
        Assert.Equal(XenErrno.Enosys, Call(XenHypercallNumber.MemoryOp, new(7, Linear(ArgumentGpa), 0, 0, 0)));
    }

    [Fact]
    public void A_registered_time_area_receives_the_vcpus_record_now_and_at_every_calibration()
    {
        Assert.Equal(0, RegisterTimeArea(vcpuId: 1, Linear(TimeAreaGpa)));
        Assert.Equal(_xen.Clock.TimeInfo(1), VcpuTimeInfo.ReadFrom(_memory.At(TimeAreaGpa, 32)));

        _tsc.AdvanceAll(TscHz);
        _xen.Clock.Calibrate();

        Assert.Equal(4u, BinaryPrimitives.ReadUInt32LittleEndian(_memory.At(TimeAreaGpa, 4)));
        Assert.Equal(_tsc.GuestTsc(1), VcpuTimeInfo.ReadFrom(_memory.At(TimeAreaGpa, 32)).TscTimestamp);
    }

    [Fact]
    public void A_time_area_at_address_zero_unregisters()
    {
        RegisterTimeArea(vcpuId: 0, Linear(TimeAreaGpa));

        Assert.Equal(0, RegisterTimeArea(vcpuId: 0, 0));

        Assert.Null(_xen.Publisher.TimeAreaGpa(0));
    }

    [Fact]
    public void Time_area_registration_refuses_a_missing_vcpu_a_straddling_record_and_an_unmapped_one()
    {
        Assert.Equal(XenErrno.Enoent, RegisterTimeArea(vcpuId: 2, Linear(TimeAreaGpa)));
        Assert.Equal(XenErrno.Einval, RegisterTimeArea(vcpuId: 0, Linear(0x5FF0)));
        _memory.Unmap(Linear(0x7000));
        Assert.Equal(XenErrno.Efault, RegisterTimeArea(vcpuId: 0, Linear(0x7000)));
        Assert.Equal(XenErrno.Enosys, Call(XenHypercallNumber.VcpuOp, new(99, 0, Linear(ArgumentGpa), 0, 0)));
    }

    [Fact]
    public void Xen_version_answers_version_extraversion_features_and_page_size()
    {
        Assert.Equal(0x0004_0013, Call(XenHypercallNumber.XenVersion, new(0, 0, 0, 0, 0)));

        Assert.Equal(0, Call(XenHypercallNumber.XenVersion, new(1, Linear(ArgumentGpa), 0, 0, 0)));
        Assert.Equal(".0-rig\0", Encoding.ASCII.GetString(_memory.At(ArgumentGpa, 7)));

        BinaryPrimitives.WriteUInt32LittleEndian(_memory.At(ArgumentGpa, 4), 0);
        Assert.Equal(0, Call(XenHypercallNumber.XenVersion, new(6, Linear(ArgumentGpa), 0, 0, 0)));
        Assert.Equal((1u << 2) | (1u << 9), BinaryPrimitives.ReadUInt32LittleEndian(_memory.At(ArgumentGpa + 4, 4)));

        Assert.Equal(4096, Call(XenHypercallNumber.XenVersion, new(7, 0, 0, 0, 0)));
        Assert.Equal(XenErrno.Enosys, Call(XenHypercallNumber.XenVersion, new(99, 0, 0, 0, 0)));
    }

    [Fact]
    public void Other_areas_can_add_hypercalls_but_not_take_over_one()
    {
        _xen.Hypercalls.Register(XenHypercallNumber.EventChannelOp, (vcpu, args) => (long)args.R10 + vcpu);

        Assert.Equal(42, (long)_xen.Hypercall(1, XenHypercallNumber.EventChannelOp, new(0, 0, 0, 41, 0)));
        Assert.Throws<InvalidOperationException>(
            () => _xen.Hypercalls.Register(XenHypercallNumber.MemoryOp, (_, _) => 0));
    }

    [Fact]
    public void A_snapshot_revert_restores_placements_and_the_time_at_the_snapshot()
    {
        AddSharedInfo(MemoryOpHypercall.DomidSelf, idx: 0, SharedInfoGpa >> 12);
        _tsc.AdvanceAll(TscHz);
        ulong snapshotTsc = _tsc.GuestTsc(0);
        long snapshotTime = _xen.Clock.GetSTime(0);
        var saved = _xen.SaveState();
        RegisterTimeArea(vcpuId: 0, Linear(TimeAreaGpa));
        _tsc.AdvanceAll(3 * TscHz);
        _xen.Clock.Calibrate();

        ulong[] sync = _xen.Clock.LatchTsc();
        _tsc.SetAll(snapshotTsc);
        _xen.RestoreState(saved, sync);

        Assert.Null(_xen.Publisher.TimeAreaGpa(0));
        var area = _memory.At(SharedInfoGpa + (ulong)SharedInfoLayout.VcpuTimeOffset(0), VcpuTimeInfo.Size);
        var info = VcpuTimeInfo.ReadFrom(area);
        Assert.Equal(snapshotTsc, info.TscTimestamp);
        Assert.InRange((long)info.SystemTime, snapshotTime - 2, snapshotTime + 2);
    }

    private static ulong Linear(ulong gpa) => FakeGuestMemory.LinearOffset + gpa;

    private long Call(uint number, HypercallArguments arguments) => (long)_xen.Hypercall(0, number, arguments);

    private long AddSharedInfo(ushort domid, ulong idx, ulong gpfn)
    {
        WriteAddToPhysmap(ArgumentGpa, domid, idx, gpfn);
        return Call(XenHypercallNumber.MemoryOp, new(MemoryOpHypercall.AddToPhysmap, Linear(ArgumentGpa), 0, 0, 0));
    }

    private void WriteAddToPhysmap(ulong gpa, ushort domid, ulong idx, ulong gpfn)
    {
        var request = _memory.At(gpa, MemoryOpHypercall.AddToPhysmapSize);
        BinaryPrimitives.WriteUInt16LittleEndian(request, domid);
        BinaryPrimitives.WriteUInt16LittleEndian(request[2..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(request[4..], MemoryOpHypercall.MapSpaceSharedInfo);
        BinaryPrimitives.WriteUInt64LittleEndian(request[8..], idx);
        BinaryPrimitives.WriteUInt64LittleEndian(request[16..], gpfn);
    }

    private long RegisterTimeArea(int vcpuId, ulong linear)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_memory.At(ArgumentGpa, 8), linear);
        return Call(
            XenHypercallNumber.VcpuOp,
            new(VcpuOpHypercall.RegisterVcpuTimeMemoryArea, (ulong)vcpuId, Linear(ArgumentGpa), 0, 0));
    }
}
