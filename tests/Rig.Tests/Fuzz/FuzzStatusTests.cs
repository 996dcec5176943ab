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

    [Fact]
    public void A_vcpus_violations_and_its_first_one_are_read_with_the_input_it_came_from()
    {
        var block = new byte[FuzzStatus.Length];
        void Put(int index, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(index * 8), value);
        Put(0, 0x315A5A5546474952);
        Put(2, 1);
        Put(3, 1);
        Put(32 + 18, 3);          // three bad-pointer violations
        Put(32 + 20, 1);          // one canary violation
        Put(32 + 23, 1);          // the first: bad-pointer
        Put(32 + 24, 77);         // at input #77
        Put(32 + 25, 32);         // event_channel_op
        Put(32 + 26, 4);          // EVTCHNOP_send
        Put(32 + 27, 0xFEE00000); // its pointer
        Put(32 + 28, 0);          // answered 0
        Put(32 + 29, 500);

        var cpu = FuzzStatus.Parse(block)!.Cpus[0];
        Assert.Equal([3UL, 0, 1, 0, 0], cpu.ViolationsPerKind);
        Assert.Equal(500UL, cpu.OracleChecks);
        Assert.Equal(
            "bad-pointer on cpu 0 boot 1 input #77: hypercall 32 cmd 0x4 with its pointer at 0xfee00000, outside RAM, answered 0 (-EFAULT or -ENOSYS expected)",
            cpu.FirstViolation!.ToString());
    }

    [Fact]
    public void The_hosts_canary_check_counts_changed_quadwords_once_the_probe_filled_it()
    {
        const ulong canaryGpa = Rig.Guest.FuzzLayout.CanaryGpa;
        var canary = new byte[0x1000];
        Assert.Null(FuzzCanary.Compare(canary, 1));

        for (int at = 0; at < canary.Length; at += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(canary.AsSpan(at), Rig.Guest.FuzzLayout.CanaryWord(canaryGpa + (ulong)at));
        }

        Assert.Null(FuzzCanary.Compare(canary, 1));

        BinaryPrimitives.WriteUInt64LittleEndian(canary.AsSpan(0x100), 0);
        BinaryPrimitives.WriteUInt64LittleEndian(canary.AsSpan(0x108), 0);
        var damage = FuzzCanary.Compare(canary, 1)!;
        Assert.Equal(canaryGpa + 0x100, damage.A);
        Assert.Equal(2UL, damage.D);
    }
}
