namespace Rig.Hypervisor.Devices;

/// <summary>A device on guest-physical addresses that no RAM backs; offsets are relative to <see cref="Base"/>.</summary>
public interface IMmioDevice
{
    ulong Base { get; }

    ulong Length { get; }

    ulong Read(ulong offset, int size);

    void Write(ulong offset, int size, ulong value);
}
