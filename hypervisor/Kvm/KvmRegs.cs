using System.Runtime.InteropServices;

namespace Rig.Hypervisor.Kvm;

/// <summary>struct kvm_regs (arch/x86/include/uapi/asm/kvm.h): the general-purpose registers, RIP and RFLAGS.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11, R12, R13, R14, R15;
    public ulong Rip, Rflags;
}
