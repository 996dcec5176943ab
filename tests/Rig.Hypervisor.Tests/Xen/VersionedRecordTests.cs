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
}
