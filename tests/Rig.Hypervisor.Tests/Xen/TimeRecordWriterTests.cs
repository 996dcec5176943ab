using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>
/// How rig-hv writes vcpu_time_info (xen.h; Linux pvclock-abi.h): the version protocol, the half-written hold that
/// time.torn-record forces, and the seeded defect that lets a half-written record read as settled.
/// </summary>
public sealed class TimeRecordWriterTests
{
    private static readonly VcpuTimeInfo Old = new(1_000, 5_000, new TimeScale(0xD152_4366, -1), 1);
    private static readonly VcpuTimeInfo New = new(9_000, 8_000, new TimeScale(0xD152_4366, -1), 1);

    [Fact]
    public void Publish_writes_every_field_and_advances_the_version_by_two()
    {
        byte[] area = new byte[VcpuTimeInfo.Size];
        BinaryPrimitives.WriteUInt32LittleEndian(area, 40);
        var info = new VcpuTimeInfo(0x1122_3344_5566_7788, 0x0102_0304_0506_0708, new TimeScale(0xD152_4366, -1), 1);

        new TimeRecordWriter(DefectSet.None).Publish(area, info);

        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(area));
        Assert.Equal(info, VcpuTimeInfo.ReadFrom(area));
    }

    [Fact]
    public void A_reader_following_the_protocol_never_sees_a_torn_record()
    {
        // The writer publishes records whose fields all derive from one counter; a reader that accepts only an even,
        // unchanged version must always find them consistent. Bounded by counts, not time.
        byte[] area = new byte[VcpuTimeInfo.Size];
        var records = new TimeRecordWriter(DefectSet.None);
        const int Records = 200_000;
        int torn = 0;
        int consistentReads = 0;
        var writer = new Thread(() =>
        {
            for (uint k = 1; k <= Records; k++)
            {
                records.Publish(area, new VcpuTimeInfo(k, k * 3, new TimeScale(k * 5, 0), (byte)k));
            }
        });
        writer.Start();
        while (writer.IsAlive || consistentReads == 0)
        {
            if (!TryReadSettled(area, out var info))
            {
                continue;
            }

            consistentReads++;
            ulong k = info.TscTimestamp;
            if (info.SystemTime != k * 3 || info.Scale.MulFrac != (uint)(k * 5) || info.Flags != (byte)k)
            {
                torn++;
            }
        }

        writer.Join();
        Assert.Equal(0, torn);
    }

    [Fact]
    public void A_held_update_shows_an_odd_version_while_it_is_half_written()
    {
        var (version, midway, after) = PublishHeld(DefectSet.None);

        Assert.Equal(7u, version);
        Assert.Equal(New.TscTimestamp, midway.TscTimestamp);
        Assert.Equal(Old.SystemTime, midway.SystemTime);
        Assert.Equal(8u, after.Version);
        Assert.Equal(New, after.Info);
    }

    [Fact]
    public void The_torn_update_defect_shows_the_half_written_record_as_settled()
    {
        var defects = new DefectSet();
        defects.Enable(DefectCatalog.PvclockTornUpdate);

        var (version, midway, after) = PublishHeld(defects);

        // Seen midway: an even version that no later write changes, a new tsc_timestamp and the old system_time.
        Assert.Equal(8u, version);
        Assert.Equal(New.TscTimestamp, midway.TscTimestamp);
        Assert.Equal(Old.SystemTime, midway.SystemTime);
        Assert.Equal(version, after.Version);
        Assert.Equal(New, after.Info);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void A_hold_outside_zero_to_ten_ms_is_refused(int microseconds)
    {
        var records = new TimeRecordWriter(DefectSet.None);

        Assert.Throws<ArgumentOutOfRangeException>(() => records.UpdateHold = TimeSpan.FromMicroseconds(microseconds));
    }

    /// <summary>
    /// Publishes <see cref="New"/> over <see cref="Old"/> (version 6) with a hold; returns the version and fields as
    /// they are during the hold, and the record after.
    /// </summary>
    private static (uint Version, VcpuTimeInfo Midway, (uint Version, VcpuTimeInfo Info) After) PublishHeld(DefectSet defects)
    {
        byte[] area = new byte[VcpuTimeInfo.Size];
        Old.WriteFieldsTo(area);
        BinaryPrimitives.WriteUInt32LittleEndian(area, 6);
        (uint Version, VcpuTimeInfo Info)? midway = null;
        var records = new TimeRecordWriter(defects, _ => midway = (BinaryPrimitives.ReadUInt32LittleEndian(area), VcpuTimeInfo.ReadFrom(area)))
        {
            UpdateHold = TimeSpan.FromMilliseconds(1),
        };

        records.Publish(area, New);

        Assert.NotNull(midway);
        return (midway.Value.Version, midway.Value.Info, (BinaryPrimitives.ReadUInt32LittleEndian(area), VcpuTimeInfo.ReadFrom(area)));
    }

    /// <summary>The guest's side of the protocol: an even version, unchanged across the copy.</summary>
    private static bool TryReadSettled(byte[] area, out VcpuTimeInfo info)
    {
        uint version = Volatile.Read(ref MemoryMarshal.AsRef<uint>(area.AsSpan()));
        Interlocked.MemoryBarrier();
        info = VcpuTimeInfo.ReadFrom(area);
        Interlocked.MemoryBarrier();
        uint after = Volatile.Read(ref MemoryMarshal.AsRef<uint>(area.AsSpan()));
        return (version & 1) == 0 && version == after && version != 0;
    }
}
