using System.Buffers.Binary;
using Rig.Fuzz;

namespace Rig.Tests.Fuzz;

/// <summary>The status block the probe writes in guest RAM, as the host reads it.</summary>
public sealed class FuzzStatusTests
{
    [Fact]
    public void A_block_without_the_magic_is_not_read()
    {
        Assert.Null(FuzzStatus.Parse(new byte[FuzzStatus.Length]));
    }

    [Fact]
    public void Inputs_and_the_current_input_of_each_vcpu_are_read()
    {
        var block = new byte[FuzzStatus.Length];
        void Put(int index, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(index * 8), value);
        Put(0, 0x315A5A5546474952);
        Put(1, 42);
        Put(2, 3);
        Put(3, 2);
        Put(5, 1);
        Put(32, 1000);        // cpu 0: inputs
        Put(33, 6);           // on a hypercall
        Put(34, 0xAB);
        Put(32 + 8 + 6, 100); // 100 hypercalls so far
        Put(64, 500);         // cpu 1: inputs

        var status = FuzzStatus.Parse(block)!;
        Assert.Equal(42UL, status.Seed);
        Assert.Equal(3UL, status.BootNumber);
        Assert.True(status.XenPresent);
        Assert.Equal(1500UL, status.Inputs);
        Assert.Equal(100UL, status.Cpus[0].PerInterface[6]);
        Assert.Equal("cpu 0 input #1000: hypercall a=0xab b=0x0 c=0x0", status.Cpus[0].CurrentInput);
    }
}
