namespace Rig.Hypervisor.Devices;

/// <summary>The MC146818's index register and its 128 bytes (registers A-D and NVRAM); the time registers read the host clock and hold nothing.</summary>
public sealed record CmosState(int Index, byte[] Bytes);
