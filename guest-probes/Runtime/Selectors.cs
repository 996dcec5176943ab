namespace Rig.Guest;

/// <summary>
/// The stub's GDT selectors (SDM Vol. 3A 3.4.2, 3.4.5), one list for the stub that writes the descriptors
/// (guest-probes/StubGen/SystemTables.cs) and the probes that name them (suites/cpu's gate, IRETQ and call-gate checks).
/// This one file is compiled into the guest runtime and into StubGen.
/// </summary>
public static class Selectors
{
    public const ushort KernelCode64 = 0x08;
    public const ushort KernelData = 0x10;
    public const ushort UserData = 0x18;
    public const ushort UserCode64 = 0x20;

    /// <summary>A conforming 64-bit code segment with DPL0: code reached through it runs at the caller's CPL (SDM Vol. 3A 5.8.1.2).</summary>
    public const ushort ConformingCode64 = 0x28;

    public const ushort KernelCode32 = 0x30;

    /// <summary>One 16-byte 64-bit TSS descriptor per vCPU from here (SDM Vol. 3A 8.2.3); the next free slot is <see cref="CallGateDpl3"/>.</summary>
    public const ushort FirstTss = 0x40;

    /// <summary>A 16-byte 64-bit call gate with DPL3 to <see cref="KernelCode64"/> (SDM Vol. 3A 5.8.3.1): CPL3 may call through it.</summary>
    public const ushort CallGateDpl3 = 0x140;

    /// <summary>The same call gate with DPL0: a far CALL through it from CPL3 raises #GP(selector) (SDM Vol. 3A 5.8.4); <see cref="SysenterCode64"/> follows.</summary>
    public const ushort CallGateDpl0 = 0x150;

    /// <summary>
    /// IA32_SYSENTER_CS for suites/cpu's SYSENTER/SYSEXIT check: SYSENTER loads CS = this and SS = this + 8, a 64-bit SYSEXIT
    /// CS = this + 32 | 3 and SS = this + 40 | 3, each with fixed descriptor attributes the GDT must match (SDM Vol. 2B SYSENTER,
    /// SYSEXIT; Vol. 3A 5.8.7). No existing selector fits that layout (0x08 + 32 is the conforming segment), so it has its own
    /// block after the call gates; this + 16 and + 24 (a 32-bit SYSEXIT to compatibility mode) stay null, as nothing uses them.
    /// </summary>
    public const ushort SysenterCode64 = 0x160;

    /// <summary>SYSENTER's SS: <see cref="SysenterCode64"/> + 8, a flat DPL0 data segment.</summary>
    public const ushort SysenterData = SysenterCode64 + 8;

    /// <summary>A 64-bit SYSEXIT's CS (RPL 3 added): <see cref="SysenterCode64"/> + 32, a 64-bit DPL3 code segment.</summary>
    public const ushort SysexitCode64 = SysenterCode64 + 32;

    /// <summary>A 64-bit SYSEXIT's SS (RPL 3 added): <see cref="SysenterCode64"/> + 40, a flat DPL3 data segment.</summary>
    public const ushort SysexitData = SysenterCode64 + 40;

    /// <summary>The GDT ends after the SYSEXIT data segment.</summary>
    public const ushort GdtEnd = SysexitData + 8;
}
