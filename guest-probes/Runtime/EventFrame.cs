using System.Runtime.InteropServices;

namespace Rig.Guest;

/// <summary>
/// The interrupted CPL3 context the stub's CPL0 entry saved on the CPL3 stack (StubGen/KernelCode.cs,
/// EmitCommon). A handler may change Rip and Rax: the trampoline restores them.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct EventFrame
{
    public ulong Vector;
    public ulong ErrorCode;
    public ulong R11;
    public ulong R10;
    public ulong R9;
    public ulong R8;
    public ulong Rdi;
    public ulong Rsi;
    public ulong Rdx;
    public ulong Rcx;
    public ulong Rax;
    public ulong Rbx;
    public ulong Rflags;
    public ulong Rip;
}
