using Rig.Hypervisor.Xen;

namespace Rig.Hypervisor.Tests.Xen;

/// <summary>SCHEDOP_shutdown: the reason read from the guest's struct, and the probe status it carries (docs/protocol.md "Exit").</summary>
public sealed class SchedOpHypercallTests
{
    private const ulong ArgumentGpa = 0x1000;
    private readonly FakeGuestMemory _memory = new(16 * 1024);
    private readonly List<(int Vcpu, uint Reason)> _shutdowns = [];

    [Theory]
    [InlineData(SchedOpHypercall.Poweroff)]
    [InlineData(SchedOpHypercall.Crash)]
    [InlineData(SchedOpHypercall.Watchdog)]
    public void Shutdown_hands_the_reason_to_the_vmm(uint reason)
    {
        Assert.Equal(0, Call(SchedOpHypercall.Shutdown, reason));
        Assert.Equal([(1, reason)], _shutdowns);
    }

    [Fact]
    public void A_reason_past_shutdown_max_and_other_commands_are_refused()
    {
        Assert.Equal(XenErrno.Einval, Call(SchedOpHypercall.Shutdown, 6));
        Assert.Equal(XenErrno.Enosys, Call(0, 0)); // SCHEDOP_yield
        Assert.Empty(_shutdowns);
    }

    [Theory]
    [InlineData(SchedOpHypercall.Poweroff, 0)]
    [InlineData(SchedOpHypercall.Watchdog, 1)]
    [InlineData(SchedOpHypercall.Crash, 2)]
    [InlineData(SchedOpHypercall.Reboot, null)] // what Xen gives a triple-faulting guest
    public void Reasons_carry_the_probe_status_as_the_rig_reads_xl(uint reason, int? status) =>
        Assert.Equal(status, SchedOpHypercall.ProbeStatus(reason));

    private long Call(ulong command, uint reason)
    {
        BitConverter.GetBytes(reason).CopyTo(_memory.At(ArgumentGpa, 4));
        var handler = new SchedOpHypercall(_memory, (vcpu, r) => _shutdowns.Add((vcpu, r)));
        return handler.Handle(1, new HypercallArguments(command, FakeGuestMemory.LinearOffset + ArgumentGpa, 0, 0, 0));
    }
}
