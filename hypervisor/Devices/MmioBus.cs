namespace Rig.Hypervisor.Devices;

/// <summary>
/// Routes guest-physical accesses outside RAM to the device whose window contains them. Unbacked addresses read
/// all-ones and ignore writes, as on a PC bus with nothing decoding them; each is logged once.
/// </summary>
public sealed class MmioBus(Action<string> log)
{
    private readonly List<IMmioDevice> _devices = [];
    private readonly UnbackedAccessLog _unbacked = new("MMIO", log);

    public void Add(IMmioDevice device) => _devices.Add(device);

    public ulong Read(ulong address, int size)
    {
        if (Find(address) is { } device)
        {
            return device.Read(address - device.Base, size);
        }

        _unbacked.Note(address, "read");
        return size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
    }

    public void Write(ulong address, int size, ulong value)
    {
        if (Find(address) is { } device)
        {
            device.Write(address - device.Base, size, value);
        }
        else
        {
            _unbacked.Note(address, "write");
        }
    }

    /// <summary>The device whose window holds <paramref name="address"/>, or null (the fuzzer's coverage names handlers by it).</summary>
    public IMmioDevice? Claimant(ulong address) => Find(address);

    private IMmioDevice? Find(ulong address)
    {
        foreach (var device in _devices)
        {
            if (address - device.Base < device.Length)
            {
                return device;
            }
        }

        return null;
    }
}
