namespace Rig.Hypervisor.Irq;

/// <summary>The Error Status Register bits (SDM Vol. 3A 12.5.3, figure "Error Status Register").</summary>
[Flags]
public enum ApicError : uint
{
    None = 0,
    SendChecksum = 1 << 0,
    ReceiveChecksum = 1 << 1,
    SendAccept = 1 << 2,
    ReceiveAccept = 1 << 3,
    RedirectableIpi = 1 << 4,
    SendIllegalVector = 1 << 5,
    ReceivedIllegalVector = 1 << 6,
    IllegalRegisterAddress = 1 << 7,
}
