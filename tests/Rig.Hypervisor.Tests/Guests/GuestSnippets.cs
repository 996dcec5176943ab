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
}
