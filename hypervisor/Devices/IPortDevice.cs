namespace Rig.Hypervisor.Devices;

/// <summary>A device on the x86 I/O port bus. The bus routes each access to the device that claims the port.</summary>
public interface IPortDevice
{
    IReadOnlyList<(ushort First, ushort Count)> Ports { get; }

    /// <summary>Reads <paramref name="size"/> (1, 2 or 4) bytes at <paramref name="port"/>.</summary>
    uint Read(ushort port, int size);

    void Write(ushort port, int size, uint value);
}
