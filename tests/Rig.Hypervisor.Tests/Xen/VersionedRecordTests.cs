using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>The version protocol of vcpu_time_info and wc_version (xen.h): odd while updating, even when complete.</summary>
public sealed class VersionedRecordTests
{
    [Theory]
    [InlineData(0u, 1u, 2u)]
    [InlineData(6u, 7u, 8u)]
    [InlineData(7u, 9u, 10u)] // a version left odd still reads "in progress" and ends even
    public void The_version_is_odd_during_an_update_and_even_after(uint start, uint during, uint after)
    {
        byte[] version = BitConverter.GetBytes(start);

        Assert.Equal(during, VersionedRecord.BeginUpdate(version));
        Assert.Equal(during, BinaryPrimitives.ReadUInt32LittleEndian(version));
        Assert.Equal(after, VersionedRecord.EndUpdate(version));
        Assert.Equal(after, BinaryPrimitives.ReadUInt32LittleEndian(version));
    }

    [Fact]
    public void Publish_writes_every_field_and_advances_the_version_by_two()
    {
        byte[] area = new byte[VcpuTimeInfo.Size];
        BinaryPrimitives.WriteUInt32LittleEndian(area, 40);
        var info = new VcpuTimeInfo(0x1122_3344_5566_7788, 0x0102_0304_0506_0708, new TimeScale(0xD152_4366, -1), 1);

        VersionedRecord.Publish(area, info);

        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(area));
        Assert.Equal(info, VcpuTimeInfo.ReadFrom(area));
    }

    [Fact]
    public void A_reader_following_the_protocol_never_sees_a_torn_record()
    {
        // The writer publishes records whose fields all derive from one counter; a reader that accepts only an even,
        // unchanged version must always find them consistent. Bounded by counts, not time.
        byte[] area = new byte[VcpuTimeInfo.Size];
        const int Records = 200_000;
        int torn = 0;
        int consistentReads = 0;
        var writer = new Thread(() =>
        {
            for (uint k = 1; k <= Records; k++)
            {
                VersionedRecord.Publish(area, new VcpuTimeInfo(k, k * 3, new TimeScale(k * 5, 0), (byte)k));
            }
        });
        writer.Start();
        while (writer.IsAlive || consistentReads == 0)
        {
            uint before = Volatile.Read(ref MemoryMarshal.AsRef<uint>(area.AsSpan()));
            Interlocked.MemoryBarrier();
            var info = VcpuTimeInfo.ReadFrom(area);
            Interlocked.MemoryBarrier();
            uint after = Volatile.Read(ref MemoryMarshal.AsRef<uint>(area.AsSpan()));
            if ((before & 1) != 0 || before != after || before == 0)
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
}
