namespace Rig.Hypervisor.Kvm;

/// <summary>ioctl request numbers and capability ids from linux/kvm.h (values printed from the header on this machine).</summary>
internal static class KvmIoctl
{
    public const ulong GetApiVersion = 0xAE00;
    public const ulong CreateVm = 0xAE01;
    public const ulong CheckExtension = 0xAE03;
    public const ulong GetVcpuMmapSize = 0xAE04;
    public const ulong GetSupportedCpuid = 0xC008AE05;
    public const ulong CreateVcpu = 0xAE41;
    public const ulong SetUserMemoryRegion = 0x4020AE46;
    public const ulong SetTssAddr = 0xAE47;
    public const ulong SetIdentityMapAddr = 0x4008AE48;
    public const ulong CreateIrqchip = 0xAE60;
    public const ulong IrqLine = 0x4008AE61;
    public const ulong CreatePit2 = 0x4040AE77;
    public const ulong SetClock = 0x4030AE7B;
    public const ulong GetClock = 0x8030AE7C;
    public const ulong Run = 0xAE80;
    public const ulong GetRegs = 0x8090AE81;
    public const ulong SetRegs = 0x4090AE82;
    public const ulong GetSregs = 0x8138AE83;
    public const ulong SetSregs = 0x4138AE84;
    public const ulong Interrupt = 0x4004AE86;
    public const ulong GetMsrs = 0xC008AE88;
    public const ulong SetMsrs = 0x4008AE89;
    public const ulong GetFpu = 0x81A0AE8C;
    public const ulong SetFpu = 0x41A0AE8D;
    public const ulong SetCpuid2 = 0x4008AE90;
    public const ulong GetLapic = 0x8400AE8E;
    public const ulong SetLapic = 0x4400AE8F;
    public const ulong GetMpState = 0x8004AE98;
    public const ulong SetMpState = 0x4004AE99;
    public const ulong Nmi = 0xAE9A;
    public const ulong X86SetupMce = 0x4008AE9C;
    public const ulong X86GetMceCapSupported = 0x8008AE9D;
    public const ulong X86SetMce = 0x4040AE9E;
    public const ulong GetVcpuEvents = 0x8040AE9F;
    public const ulong SetVcpuEvents = 0x4040AEA0;
    public const ulong EnableCap = 0x4068AEA3;
    public const ulong GetTscKhz = 0xAEA3;
    public const ulong GetXsave = 0x9000AEA4;
    public const ulong SetXsave = 0x5000AEA5;
    public const ulong GetXcrs = 0x8188AEA6;
    public const ulong SetXcrs = 0x4188AEA7;
    public const ulong X86SetMsrFilter = 0x4188AEC6;

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
