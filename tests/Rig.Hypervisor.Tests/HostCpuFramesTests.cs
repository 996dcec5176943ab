using Rig.Hypervisor.Kvm;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Tests;

/// <summary>The per-host-CPU frames' ownership rules, and the seeded defect stale-vcpu-state-on-migrate as the seed's diagram plays it.</summary>
public sealed class HostCpuFramesTests : IDisposable
{
    private static readonly ulong X = HostCpuFrames.Token(100, 1);
    private static readonly ulong Y = HostCpuFrames.Token(200, 1);
    private readonly HostCpuFrames _frames = HostCpuFrames.OpenPrivate();

    [Fact]
    public void A_parked_vcpu_takes_its_own_frame_back_once()
    {
        _frames.Park(1, X, new KvmRegs { Rbx = 0xA1 });

        Assert.Equal(0xA1UL, _frames.Take(1, X)?.Rbx);
        Assert.Null(_frames.Take(1, X));
    }

    [Fact]
    public void A_vcpu_finds_nothing_in_a_frame_another_vcpu_parked_in_since()
    {
        _frames.Park(1, X, new KvmRegs { Rbx = 0xA1 });
        _frames.Park(1, Y, new KvmRegs { Rbx = 0xB1 });

        Assert.Null(_frames.Take(1, X));
    }

    [Fact]
    public void A_vcpu_destroyed_where_a_migrated_one_parked_takes_the_frame_so_the_migrated_one_keeps_its_registers()
    {
        // Seed 002: x parks on host CPU 1 and migrates; y is destroyed on host CPU 1; x resumes elsewhere.
        _frames.Park(1, X, new KvmRegs { Rbx = 0xA1 });
        _frames.Retire(1, Y, new KvmRegs { Rbx = 0xB1 }, takeOwnership: true);

        Assert.Null(_frames.Take(1, X));
    }

    [Fact]
    public void With_the_defect_the_destroyed_vcpus_registers_go_to_the_migrated_one()
    {
        _frames.Park(1, X, new KvmRegs { Rbx = 0xA1 });
        _frames.Retire(1, Y, new KvmRegs { Rbx = 0xB1 }, takeOwnership: false);

        Assert.Equal(0xB1UL, _frames.Take(1, X)?.Rbx);
    }

    [Fact]
    public void Tokens_name_process_and_vcpu_and_are_never_nobody()
    {
        Assert.NotEqual(HostCpuFrames.Token(100, 0), HostCpuFrames.Token(100, 1));
        Assert.NotEqual(HostCpuFrames.Token(100, 0), HostCpuFrames.Token(101, 0));
        Assert.NotEqual(0UL, HostCpuFrames.Token(0, 0));
    }

    public void Dispose() => _frames.Dispose();
}
