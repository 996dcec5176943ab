namespace Rig.Hypervisor.Devices;

/// <summary>QEMU's isa-debug-exit on port 0xF4: a write of v ends the VM with process exit status (v &lt;&lt; 1) | 1.</summary>
public sealed class DebugExitDevice(Action<int> exit) : IPortDevice
{
    public const ushort Port = 0xF4;

    public IReadOnlyList<(ushort First, ushort Count)> Ports { get; } = [(Port, 1)];

    public uint Read(ushort port, int size) => 0;

    public void Write(ushort port, int size, uint value) => exit((int)(((value & 0x7F) << 1) | 1));
}
