namespace Rig.Hypervisor.Kvm;

/// <summary>
/// ioctl request numbers and capability ids from linux/kvm.h (values printed from the header on this machine). The kernel
/// takes the request as an unsigned int (ioctl(2)); they are ints here, the type Tmds.LibC's ioctl takes, which passes them
/// on zero-extended, so those with bit 31 set (the _IOR ones) are written unchecked.
/// </summary>
internal static class KvmIoctl
{
    public const int GetApiVersion = 0xAE00;
    public const int CreateVm = 0xAE01;
    public const int CheckExtension = 0xAE03;
    public const int GetVcpuMmapSize = 0xAE04;
    public const int GetSupportedCpuid = unchecked((int)0xC008AE05);
    public const int CreateVcpu = 0xAE41;
    public const int SetUserMemoryRegion = 0x4020AE46;
    public const int SetTssAddr = 0xAE47;
    public const int SetIdentityMapAddr = 0x4008AE48;
    public const int CreateIrqchip = 0xAE60;
    public const int IrqLine = 0x4008AE61;
    public const int CreatePit2 = 0x4040AE77;
    public const int SetClock = 0x4030AE7B;
    public const int GetClock = unchecked((int)0x8030AE7C);
    public const int Run = 0xAE80;
    public const int GetRegs = unchecked((int)0x8090AE81);
    public const int SetRegs = 0x4090AE82;
    public const int GetSregs = unchecked((int)0x8138AE83);
    public const int SetSregs = 0x4138AE84;
    public const int Interrupt = 0x4004AE86;
    public const int GetMsrs = unchecked((int)0xC008AE88);
    public const int SetMsrs = 0x4008AE89;
    public const int GetFpu = unchecked((int)0x81A0AE8C);
    public const int SetFpu = 0x41A0AE8D;
    public const int SetCpuid2 = 0x4008AE90;
    public const int GetLapic = unchecked((int)0x8400AE8E);
    public const int SetLapic = 0x4400AE8F;
    public const int GetMpState = unchecked((int)0x8004AE98);
    public const int SetMpState = 0x4004AE99;
    public const int Nmi = 0xAE9A;
    public const int X86SetupMce = 0x4008AE9C;
    public const int X86GetMceCapSupported = unchecked((int)0x8008AE9D);
    public const int X86SetMce = 0x4040AE9E;
    public const int GetVcpuEvents = unchecked((int)0x8040AE9F);
    public const int SetVcpuEvents = 0x4040AEA0;
    public const int EnableCap = 0x4068AEA3;
    public const int GetTscKhz = 0xAEA3;
    public const int GetXsave = unchecked((int)0x9000AEA4);
    public const int SetXsave = 0x5000AEA5;
    public const int GetXcrs = unchecked((int)0x8188AEA6);
    public const int SetXcrs = 0x4188AEA7;
    public const int X86SetMsrFilter = 0x4188AEC6;

    public const int ApiVersion = 12;
}

/// <summary>KVM_CAP_* numbers (linux/kvm.h) for the capabilities the VMM checks before use.</summary>
public enum KvmCap
{
    Irqchip = 0,
    Hlt = 1,
    UserMemory = 3,
    SetTssAddr = 4,
    ExtCpuid = 7,
    Clocksource = 8,
    UserNmi = 22,
    Mce = 31,
    AdjustClock = 39,
    VcpuEvents = 41,
    Xsave = 55,
    Xcrs = 56,
    GetTscKhz = 61,
    TscDeadlineTimer = 72,
    ImmediateExit = 136,
    X86UserSpaceMsr = 188,
    X86MsrFilter = 189,
}
