using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Hypervisor.Tests.Guests;

/// <summary>
/// 32-bit code fragments tiny test guests share. They run at CPL0, which kvm_pvm emulates instruction by
/// instruction, so each fragment is a handful of instructions and uses no SSE.
/// </summary>
public static class GuestSnippets
{
    public const ushort Com1 = 0x3F8;
    public const ushort Com2 = 0x2F8;
    public const ushort DebugExitPort = 0xF4;

    /// <summary>Writes each byte of <paramref name="text"/> to the UART's THR (a polling driver would check LSR.THRE first; our UARTs are always ready).</summary>
    public static void Print(this Assembler asm, string text, ushort port = Com1)
    {
        asm.mov(dx, port);
        foreach (char c in text)
        {
            asm.mov(al, (byte)c);
            asm.@out(dx, al);
        }
    }

    /// <summary>isa-debug-exit: the VM ends with exit status (value &lt;&lt; 1) | 1, as QEMU's device.</summary>
    public static void DebugExit(this Assembler asm, byte value)
    {
        asm.mov(dx, DebugExitPort);
        asm.mov(al, value);
        asm.@out(dx, al);
        asm.hlt();
    }

    /// <summary>AL = CMOS register <paramref name="index"/> (port 0x70 selects, 0x71 reads).</summary>
    public static void ReadCmos(this Assembler asm, byte index)
    {
        asm.mov(al, index);
        asm.@out(0x70, al);
        asm.@in(al, 0x71);
    }

    /// <summary>CMOS register <paramref name="index"/> = AL (clobbers AH).</summary>
    public static void WriteCmos(this Assembler asm, byte index)
    {
        asm.mov(ah, al);
        asm.mov(al, index);
        asm.@out(0x70, al);
        asm.mov(al, ah);
        asm.@out(0x71, al);
    }

    /// <summary>A hard reset through the PCI reset control register (0xCF9 = 0x06: full reset, as QEMU's PIIX/ICH9).</summary>
    public static void ResetViaCf9(this Assembler asm)
    {
        asm.mov(dx, (ushort)0xCF9);
        asm.mov(al, 0x06);
        asm.@out(dx, al);
        asm.hlt();
    }

    public static Assembler New32() => new(32);

    /// <summary>Where <see cref="InstallFlatGdtAndIdt"/> builds its tables, below the 1 MiB image and above start_info.</summary>
    public const uint GdtAddress = 0x8000;
    public const uint IdtAddress = 0x9000;
    public const uint StackTop = 0x7000;

    /// <summary>
    /// The PVH entry leaves GDTR/IDTR undefined (Xen docs/misc/pvh.pandoc), so a guest that takes interrupts loads its own:
    /// a flat GDT whose 0x10/0x18 match the entry's CS/DS, an empty 256-entry IDT (fill it with <see cref="InstallGate"/>),
    /// and a stack below 0x7000.
    /// </summary>
    public static void InstallFlatGdtAndIdt(this Assembler asm)
    {
        asm.mov(__dword_ptr[GdtAddress + 0x10], 0x0000_FFFF);
        asm.mov(__dword_ptr[GdtAddress + 0x14], 0x00CF_9A00);
        asm.mov(__dword_ptr[GdtAddress + 0x18], 0x0000_FFFF);
        asm.mov(__dword_ptr[GdtAddress + 0x1C], 0x00CF_9200);
        asm.mov(__word_ptr[GdtAddress + 0x100], 0x1F);
        asm.mov(__dword_ptr[GdtAddress + 0x102], GdtAddress);
        asm.lgdt(__[GdtAddress + 0x100]);
        asm.mov(__word_ptr[IdtAddress + 0x800], 0x7FF);
        asm.mov(__dword_ptr[IdtAddress + 0x802], IdtAddress);
        asm.lidt(__[IdtAddress + 0x800]);
        asm.mov(esp, StackTop);
    }

    /// <summary>
    /// Emits <paramref name="handler"/> inline and points IDT entry <paramref name="vector"/> at it with a 32-bit
    /// interrupt gate (SDM Vol. 3 6.11). 32-bit code has no RIP-relative LEA, so the handler's address is taken from
    /// the return address a CALL over it pushes. The handler must not fall through (end it in IRET, HLT or an exit).
    /// Clobbers EAX.
    /// </summary>
    public static void InstallGate(this Assembler asm, byte vector, Action<Assembler> handler)
    {
        var install = asm.CreateLabel();
        asm.call(install);
        handler(asm);
        asm.Label(ref install);
        asm.pop(eax);
        uint gate = IdtAddress + (8u * vector);
        asm.mov(__word_ptr[gate], ax);
        asm.mov(__word_ptr[gate + 2], 0x10);
        asm.mov(__word_ptr[gate + 4], 0x8E00);
        asm.shr(eax, 16);
        asm.mov(__word_ptr[gate + 6], ax);
    }
}
