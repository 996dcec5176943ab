using Iced.Intel;
using Rig.Guest;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Probes.StubGen;

/// <summary>
/// The 32-bit PVH entry (BSP) and the 16-bit start code of the other vCPUs; both end in the 64-bit
/// per-vCPU initialisation at <see cref="Layout.Code64Offset"/>.
/// </summary>
public static class BootCode
{
    public const ulong GdtrOffset = Layout.DataOffset;
    public const ulong IdtrOffset = Layout.DataOffset + 0x10;

    public sealed record Chunk32(Assembled Code, ulong Entry, ulong ApEntry);

    /// <summary>
    /// PVH entry: 32-bit protected mode, paging off, EBX = hvm_start_info (Xen arch-x86/hvm/start_info.h).
    /// Long mode per SDM 10.8.5 (11.8.5 in newer editions): CR4.PAE, CR3, EFER.LME, then CR0.PG.
    /// </summary>
    public static Chunk32 Entry32()
    {
        var a = new Assembler(32);
        Label entry = a.CreateLabel(), ap = a.CreateLabel();
        a.Label(ref entry);
        a.cli();
        a.mov(__dword_ptr[(uint)Layout.Address(Layout.BootInfoOffset + (ulong)BootInfo.StartInfoPaddr)], ebx);
        a.jmp(ap);
        a.Label(ref ap); // the APs join here from their 16-bit start code
        a.lgdt(__[(uint)Layout.Address(GdtrOffset)]);
        a.mov(ax, Selectors.KernelData);
        a.mov(ds, ax);
        a.mov(es, ax);
        a.mov(ss, ax);
        a.mov(eax, cr4);
        a.or(eax, 0x20); // PAE
        a.mov(cr4, eax);
        a.mov(eax, (uint)Layout.Address(Layout.Pml4Offset));
        a.mov(cr3, eax);
        a.mov(ecx, 0xC0000080); // IA32_EFER
        a.rdmsr();
        a.or(eax, 0x100); // LME
        a.wrmsr();
        a.mov(eax, cr0);
        a.and(eax, 0x9FFFFFFF); // clear CD/NW: an AP starts with caches disabled (SDM 10.1.1 / 11.1.1 reset state)
        a.or(eax, unchecked((int)0x80000001)); // PG | PE
        a.mov(cr0, eax);
        FarJump32(a, (uint)Layout.Address(Layout.Code64Offset), Selectors.KernelCode64);
        var code = new Assembled(a, Layout.Address(Layout.Entry32Offset));
        return new Chunk32(code, code[entry], code[ap]);
    }

    /// <summary>
    /// AP start code, run from <see cref="Layout.ApStartPage"/> in real mode after SIPI (CS = page >> 4, IP = 0).
    /// Assembled for IP 0 so its own labels are offsets from CS. The 16-bit LGDT loads a 24-bit base, enough
    /// because the GDT lies below 16 MiB.
    /// </summary>
    public static byte[] ApStart16(ulong ap32)
    {
        var a = new Assembler(16);
        Label start = a.CreateLabel();
        // The GDTR sits at offset 2, after a short jump over it: Iced has no label operands in 16-bit code.
        a.jmp(start);
        a.dw(SystemTables.GdtLimit);
        a.dd((uint)Layout.Address(Layout.GdtOffset));
        a.Label(ref start);
        a.cli();
        a.mov(ax, cs);
        a.mov(ds, ax);
        a.lgdt(__[2]);
        a.mov(eax, cr0);
        a.or(eax, 1);
        a.mov(cr0, eax);
        // DS still has its real-mode base (the start page): load the flat selector before the 32-bit code uses it.
        a.mov(ax, Selectors.KernelData);
        a.mov(ds, ax);
        a.db(0x66);
        FarJump32(a, (uint)ap32, Selectors.KernelCode32);
        return new Assembled(a, 0).Bytes;
    }

    /// <summary>JMP ptr16:32 (opcode EA), which Iced's assembler has no overload for.</summary>
    private static void FarJump32(Assembler a, uint target, ushort selector)
    {
        a.db(0xEA);
        a.dd(target);
        a.dw(selector);
    }
}
