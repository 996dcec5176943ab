using System.Globalization;
using Rig.Hypervisor.Kvm;

namespace Rig.Hypervisor.Tests.Kvm;

/// <summary>
/// Guest RAM never lets an access leave it (issue 21): the accessors refuse a range past its end, wrapping, or straddling
/// it, and leave RAM as it was; and the host memory on either side of the mapping is a PROT_NONE guard region, so an
/// access that escaped the checks would fault at once rather than read or corrupt the host.
/// </summary>
public sealed class GuestMemoryGuardTests
{
    private const ulong Size = 1UL << 20;

    [Fact]
    public void A_range_past_the_end_wrapping_or_straddling_it_is_refused_and_ram_is_left_as_it_was()
    {
        using var ram = new GuestMemory(Size);
        ram.Slice(Size - 8, 8).Fill(0xA5);

        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Slice(Size - 4, 8).Fill(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Slice(Size, 1).Fill(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ram.Slice(ulong.MaxValue - 3, 8).Fill(0));
        Assert.False(ram.Contains(ulong.MaxValue - 3, 8));
        Assert.False(ram.Contains(Size - 1, 2));
        Assert.True(ram.Contains(Size - 8, 8));
        Assert.All(ram.Slice(Size - 8, 8).ToArray(), b => Assert.Equal(0xA5, b));
    }

    [Fact]
    public void The_host_memory_on_either_side_of_guest_ram_is_mapped_inaccessible()
    {
        using var ram = new GuestMemory(Size);
        var (below, above) = ram.GuardRegions;

        Assert.Equal("---p", PermissionsCovering(below, GuestMemory.GuardBytes));
        Assert.Equal("---p", PermissionsCovering(above, GuestMemory.GuardBytes));
        Assert.Equal("rw-p", PermissionsCovering(below + (nuint)GuestMemory.GuardBytes, Size));
    }

    [Fact]
    public void Ram_that_is_not_whole_pages_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuestMemory(Size + 1));
    }

    /// <summary>The permissions of the mapping in /proc/self/maps (proc(5)) that covers [start, start + length).</summary>
    private static string PermissionsCovering(nuint start, ulong length)
    {
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            string[] fields = line.Split(' ', 3);
            string[] range = fields[0].Split('-');
            ulong from = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong to = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (from <= start && start + length <= to)
            {
                return fields[1];
            }
        }

        return "unmapped";
    }
}
