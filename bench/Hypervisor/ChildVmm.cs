namespace Rig.Bench.Hypervisor;

/// <summary>A VMM the benchmarks start as a process of its own, booting a PVH image with COM1 on its stdout.</summary>
internal sealed record ChildVmm(string Name, string Program, Func<string, IReadOnlyList<string>> Arguments, bool IsRigHv)
{
    /// <summary>rig-hv from <paramref name="binary"/> (the NativeAOT publish or the JIT build).</summary>
    public static ChildVmm RigHv(string name, string binary) =>
        new(name, binary, image => ["--image", image, "--com1", "-", "--timeout", "120"], IsRigHv: true);

    /// <summary>
    /// QEMU's microvm with what the rig's qemu-kvm target has that these guests use: the RTC's CMOS, the 8042 (its
    /// reset line), isa-debug-exit; no firmware, no default devices.
    /// </summary>
    public static ChildVmm QemuMicrovm() =>
        new("QEMU microvm", "qemu-system-x86_64", image =>
        [
            "-machine", "microvm,rtc=on", "-accel", "kvm", "-m", "64M", "-nodefaults", "-no-user-config", "-display", "none",
            "-monitor", "none", "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-device", "i8042",
            "-kernel", image,
        ], IsRigHv: false);
}
