namespace Rig.Hypervisor.Devices;

/// <summary>
/// A 16550A's programmable registers (IER, LCR, MCR, SCR, divisor latch, FCR). The receive queue is left out: it holds
/// what the host sent over the socket after the save, a conversation a revert of the guest does not take back.
/// </summary>
public sealed record UartState(byte Ier, byte Lcr, byte Mcr, byte Scr, byte Dll, byte Dlm, byte Fcr);
