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

    /// <summary>The same call gate with DPL0: a far CALL through it from CPL3 raises #GP(selector) (SDM Vol. 3A 5.8.4).</summary>
    public const ushort CallGateDpl0 = 0x150;

    /// <summary>The GDT ends after the DPL0 call gate.</summary>
    public const ushort GdtEnd = CallGateDpl0 + 16;
}
