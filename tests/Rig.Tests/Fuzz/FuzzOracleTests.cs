using Rig.Guest;

namespace Rig.Tests.Fuzz;

/// <summary>
/// The rules the fuzzing probe judges answers by (guest-probes/Runtime/FuzzOracle.cs, the same source the probe runs):
/// each accepts what Xen's headers allow and catches a wrong answer.
/// </summary>
public sealed class FuzzOracleTests
{
    private const ulong RamEnd = 64UL << 20;
    private const ulong RamFrames = RamEnd >> 12;

    [Theory]
    [InlineData(RamEnd, true)]
    [InlineData(RamEnd - 1, true)]
    [InlineData(RamEnd - 2, false)]
    [InlineData(0xFEE00000UL, true)]
    [InlineData(0xFFFF800000000000UL, true)]
    [InlineData(0x820000UL, false)]
    public void A_pointer_is_outside_ram_when_less_than_two_bytes_from_it_on_are_ram(ulong pointer, bool outside)
    {
        Assert.Equal(outside, FuzzOracle.OutsideRam(pointer, RamEnd));
    }

    [Theory]
    [InlineData(FuzzOracle.EventChannelOp, 4UL, 1)]
    [InlineData(FuzzOracle.SchedOp, 0UL, 0)]
    [InlineData(FuzzOracle.SchedOp, 2UL, 1)]
    [InlineData(FuzzOracle.XenVersion, 0UL, 0)]
    [InlineData(FuzzOracle.XenVersion, 1UL, 1)]
    [InlineData(FuzzOracle.MemoryOp, 2UL, 0)]
    [InlineData(FuzzOracle.MemoryOp, 7UL | 5UL << 6, 1)]
    [InlineData(FuzzOracle.VcpuOp, 13UL, 2)]
    [InlineData(FuzzOracle.VcpuOp, 1UL, 0)]
    [InlineData(FuzzOracle.PhysdevOp, 99UL, 1)]
    [InlineData(15UL, 0UL, 0)]
    public void The_pointer_argument_is_the_one_the_headers_name(ulong number, ulong command, int argument)
    {
        Assert.Equal(argument, FuzzOracle.PointerArgument(number, command));
    }

    [Fact]
    public void A_bad_pointer_must_be_refused_with_efault_or_enosys_never_accepted()
    {
        Assert.Equal(0, FuzzOracle.JudgeBadPointer(FuzzOracle.EventChannelOp, 0, 2, FuzzOracle.Efault));
        Assert.Equal(0, FuzzOracle.JudgeBadPointer(FuzzOracle.HvmOp, 0, 2, FuzzOracle.Enosys));
        Assert.Equal(FuzzLayout.ViolationBadPointer, FuzzOracle.JudgeBadPointer(FuzzOracle.EventChannelOp, 0, 2, 0));
        Assert.Equal(FuzzLayout.ViolationBadPointer, FuzzOracle.JudgeBadPointer(FuzzOracle.EventChannelOp, 0, 2, FuzzOracle.Einval));
        Assert.Equal(FuzzLayout.ViolationBadPointer, FuzzOracle.JudgeBadPointer(FuzzOracle.XenVersion, 0, 2, 4096));
    }

    [Fact]
    public void Vcpu_op_may_answer_enoent_first_only_for_a_vcpu_the_domain_lacks()
    {
        Assert.Equal(0, FuzzOracle.JudgeBadPointer(FuzzOracle.VcpuOp, 2, 2, FuzzOracle.Enoent));
        Assert.Equal(FuzzLayout.ViolationBadPointer, FuzzOracle.JudgeBadPointer(FuzzOracle.VcpuOp, 1, 2, FuzzOracle.Enoent));
    }

    [Theory]
    [InlineData(EvtchnOp.Send, 1u << 17, 0u, FuzzOracle.Einval, 0)]
    [InlineData(EvtchnOp.Send, 1u << 17, 0u, 0L, FuzzLayout.ViolationErrno)]
    [InlineData(EvtchnOp.Send, 5u, 0u, 0L, 0)]
    [InlineData(EvtchnOp.Close, 0xFFFFFFFFu, 0u, FuzzOracle.Enoent, FuzzLayout.ViolationErrno)]
    [InlineData(EvtchnOp.Unmask, 1u << 17, 0u, 0L, FuzzLayout.ViolationErrno)]
    [InlineData(EvtchnOp.SetPriority, 3u, 16u, 0L, FuzzLayout.ViolationErrno)]
    [InlineData(EvtchnOp.SetPriority, 3u, 16u, FuzzOracle.Enosys, 0)]
    [InlineData(EvtchnOp.SetPriority, 3u, 15u, 0L, 0)]
    [InlineData(EvtchnOp.BindVirq, 24u, 0u, 0L, FuzzLayout.ViolationErrno)]
    [InlineData(EvtchnOp.BindVirq, 23u, 0u, FuzzOracle.Enoent, 0)]
    [InlineData(EvtchnOp.Status, 0x7FF0u, 1u << 17, 0L, FuzzLayout.ViolationErrno)]
    [InlineData(EvtchnOp.Status, 0x1234u, 1u << 17, -3L, 0)]
    public void Event_channel_commands_with_impossible_arguments_give_their_documented_error(ulong command, uint w0, uint w1, long result, int kind)
    {
        Assert.Equal(kind, FuzzOracle.JudgeEventChannel(command, w0, w1, 0, 0, 1, 2, RamFrames, result));
    }

    [Fact]
    public void A_frame_outside_ram_is_never_accepted_for_the_event_array_or_a_control_block()
    {
        Assert.Equal(FuzzLayout.ViolationBadFrame, FuzzOracle.JudgeEventChannel(EvtchnOp.ExpandArray, (uint)RamFrames, 0, 0, 0, 0, 2, RamFrames, 0));
        Assert.Equal(FuzzLayout.ViolationBadFrame, FuzzOracle.JudgeEventChannel(EvtchnOp.ExpandArray, 5, 1, 0, 0, 0, 2, RamFrames, 0));
        Assert.Equal(0, FuzzOracle.JudgeEventChannel(EvtchnOp.ExpandArray, (uint)RamFrames - 1, 0, 0, 0, 0, 2, RamFrames, 0));
        Assert.Equal(FuzzLayout.ViolationBadFrame, FuzzOracle.JudgeEventChannel(EvtchnOp.InitControl, (uint)RamFrames, 0, 0, 1, 0, 2, RamFrames, 0));
        Assert.Equal(0, FuzzOracle.JudgeEventChannel(EvtchnOp.InitControl, (uint)RamFrames, 0, 0, 1, 0, 2, RamFrames, FuzzOracle.Einval));
    }

    [Fact]
    public void Init_control_with_a_misaligned_or_too_high_offset_is_einval_for_a_vcpu_that_exists()
    {
        Assert.Equal(FuzzLayout.ViolationErrno, FuzzOracle.JudgeEventChannel(EvtchnOp.InitControl, 0x900, 0, 4, 0, 0, 2, RamFrames, FuzzOracle.Enoent));
        Assert.Equal(FuzzLayout.ViolationErrno, FuzzOracle.JudgeEventChannel(EvtchnOp.InitControl, 0x900, 0, 4096 - 64, 0, 0, 2, RamFrames, 0));
        Assert.Equal(0, FuzzOracle.JudgeEventChannel(EvtchnOp.InitControl, 0x900, 0, 4096 - 72, 0, 0, 2, RamFrames, 0));
        Assert.Equal(0, FuzzOracle.JudgeEventChannel(EvtchnOp.InitControl, 0x900, 0, 4, 2, 0, 2, RamFrames, FuzzOracle.Enoent));
    }

    [Theory]
    [InlineData(EvtchnOp.AllocUnbound, 0u, FuzzLayout.ViolationInvariant)]
    [InlineData(EvtchnOp.BindIpi, 1u << 17, FuzzLayout.ViolationInvariant)]
    [InlineData(EvtchnOp.BindInterdomain, 7u, 0)]
    public void A_successful_bind_names_a_port_in_1_to_2_to_the_17_minus_1(ulong command, uint port, int kind)
    {
        Assert.Equal(kind, FuzzOracle.JudgeEventChannel(command, 0x7FF0, 0, 0, 0, port, 2, RamFrames, 0));
    }
}
