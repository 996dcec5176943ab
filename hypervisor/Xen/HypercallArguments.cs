namespace Rig.Hypervisor.Xen;

/// <summary>
/// The five arguments of a 64-bit Xen hypercall, in the registers the x86-64 ABI assigns them: RDI, RSI, RDX, R10, R8
/// (xen/include/public/arch-x86/xen-x86_64.h; R10 stands in for RCX, which SYSCALL clobbers).
/// </summary>
public readonly record struct HypercallArguments(ulong Rdi, ulong Rsi, ulong Rdx, ulong R10, ulong R8);
