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

    /// <summary>
    /// The BSP starts vCPU 1 (APIC ID 1) by INIT then <paramref name="sipis"/> SIPIs of <paramref name="vector"/>
    /// (SDM Vol. 3 10.4.4): it runs in real mode from the vector's page; the BSP then halts for good.
    /// </summary>
    public static void StartApThenHalt(this Assembler asm, byte vector, int sipis)
    {
        const uint apicBase = 0xFEE0_0000;
        asm.mov(__dword_ptr[apicBase + 0xF0], 0x1FF); // SVR: software enable
        asm.mov(__dword_ptr[apicBase + 0x310], 1 << 24); // ICR destination: APIC ID 1
        asm.mov(__dword_ptr[apicBase + 0x300], 0x4500); // INIT, level assert
        for (var i = 0; i < sipis; i++)
        {
            asm.mov(__dword_ptr[apicBase + 0x310], 1 << 24);
            asm.mov(__dword_ptr[apicBase + 0x300], 0x4600 | vector); // SIPI; a second is ignored once the AP runs
        }

        var halt = asm.CreateLabel();
        asm.cli();
        asm.Label(ref halt);
        asm.hlt();
        asm.jmp(halt);
    }

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

    public const uint TssAddress = 0xB000;

    /// <summary>
    /// The TSS limit covers a zeroed I/O permission bitmap for all 65536 ports plus its all-ones terminator byte
    /// (SDM Vol. 1 19.5.2): CPL3 may use every port whatever IOPL does. kvm_pvm ignores IOPL=3 but honours the bitmap
    /// (bench/PioExit's finding), so test guests at CPL3 can do port I/O on every target.
    /// </summary>
    private const uint TssLimit = 0x68 + 0x2000;
    public const uint UserStackTop = 0x6000;

    /// <summary>
    /// Drops to CPL3 (after <see cref="InstallFlatGdtAndIdt"/>): adds DPL3 flat code/data at 0x28/0x30 and a 32-bit TSS at
    /// 0x38 whose ESP0/SS0 give interrupts from CPL3 a CPL0 stack (SDM Vol. 3 7.2.1, 6.12.1), then IRETs to the code that
    /// follows with IOPL=3 and IF=1. kvm_pvm cannot run this (its emulator has no protected-mode IRET): use
    /// <see cref="EnterLongMode"/> and <see cref="EnterUserMode64"/> there.
    /// </summary>
    public static void EnterUserMode32(this Assembler asm)
    {
        asm.mov(__dword_ptr[GdtAddress + 0x28], 0x0000_FFFF);
        asm.mov(__dword_ptr[GdtAddress + 0x2C], 0x00CF_FA00);
        asm.mov(__dword_ptr[GdtAddress + 0x30], 0x0000_FFFF);
        asm.mov(__dword_ptr[GdtAddress + 0x34], 0x00CF_F200);
        asm.mov(__dword_ptr[GdtAddress + 0x38], ((TssAddress & 0xFFFF) << 16) | TssLimit);
        asm.mov(__dword_ptr[GdtAddress + 0x3C], (TssAddress & 0xFF00_0000) | 0x8900 | ((TssAddress >> 16) & 0xFF));
        asm.mov(__dword_ptr[TssAddress + 4], StackTop);
        asm.mov(__dword_ptr[TssAddress + 8], 0x18);
        asm.WriteIoPermissionBitmapBase();
        asm.mov(__word_ptr[GdtAddress + 0x100], 0x3F);
        asm.lgdt(__[GdtAddress + 0x100]);
        asm.mov(ax, 0x38);
        asm.ltr(ax);
        var here = asm.CreateLabel();
        asm.push(0x33);
        asm.push(UserStackTop);
        asm.push(0x3202);
        asm.push(0x2B);
        asm.call(here);
        asm.Label(ref here);
        // EIP for the IRET: the CALL pushed this ADD's address; skip the ADD (83 04 24 05, 4 bytes) and IRETD (CF, 1 byte).
        asm.add(__dword_ptr[esp], 5);
        asm.iretd();
    }

    /// <summary>Where <see cref="PvhElf.Build(Assembler, Assembler)"/> places the 64-bit code <see cref="EnterLongMode"/> jumps to.</summary>
    public const ulong LongModeEntry = PvhElf.EntryAddress + 0x800;

    private const uint Pml4Address = 0x1_0000;

    /// <summary>
    /// From the PVH entry to 64-bit mode (SDM Vol. 3 10.8.5): identity-maps the low 4 GiB with 2 MiB user-accessible pages
    /// (so CPL3 code and the APIC windows are reachable), loads a GDT with 0x20 = 64-bit code, 0x28 = DPL3 data,
    /// 0x30 = DPL3 64-bit code and 0x38 = a 64-bit TSS, sets CR4.PAE, EFER.LME and CR0.PG, and far-jumps to
    /// <see cref="LongModeEntry"/>. kvm_pvm runs only 64-bit CPL3 code natively and its emulator has no protected-mode IRET,
    /// so guests that take interrupts or drop to user mode must come here first.
    /// </summary>
    public static void EnterLongMode(this Assembler asm32)
    {
        asm32.InstallFlatGdtAndIdt();
        asm32.mov(__dword_ptr[Pml4Address], Pml4Address + 0x1007);
        for (uint i = 0; i < 4; i++)
        {
            asm32.mov(__dword_ptr[Pml4Address + 0x1000 + (8 * i)], Pml4Address + 0x2007 + (0x1000 * i));
        }

        var fill = asm32.CreateLabel();
        asm32.xor(ecx, ecx);
        asm32.mov(eax, 0x87); // present, writable, user, 2 MiB page
        asm32.Label(ref fill);
        asm32.mov(__dword_ptr[(ecx * 8) + (int)(Pml4Address + 0x2000)], eax);
        asm32.add(eax, 0x20_0000);
        asm32.inc(ecx);
        asm32.cmp(ecx, 2048);
        asm32.jb(fill);

        asm32.mov(__dword_ptr[GdtAddress + 0x20], 0x0000_FFFF);
        asm32.mov(__dword_ptr[GdtAddress + 0x24], 0x00AF_9A00);
        asm32.mov(__dword_ptr[GdtAddress + 0x28], 0x0000_FFFF);
        asm32.mov(__dword_ptr[GdtAddress + 0x2C], 0x00CF_F200);
        asm32.mov(__dword_ptr[GdtAddress + 0x30], 0x0000_FFFF);
        asm32.mov(__dword_ptr[GdtAddress + 0x34], 0x00AF_FA00);
        asm32.mov(__dword_ptr[GdtAddress + 0x38], ((TssAddress & 0xFFFF) << 16) | TssLimit);
        asm32.mov(__dword_ptr[GdtAddress + 0x3C], (TssAddress & 0xFF00_0000) | 0x8900 | ((TssAddress >> 16) & 0xFF));
        asm32.mov(__word_ptr[GdtAddress + 0x100], 0x47);
        asm32.lgdt(__[GdtAddress + 0x100]);

        asm32.mov(eax, cr4);
        asm32.or(eax, 0x20);
        asm32.mov(cr4, eax);
        asm32.mov(eax, Pml4Address);
        asm32.mov(cr3, eax);
        asm32.mov(ecx, 0xC000_0080);
        asm32.rdmsr();
        asm32.or(eax, 0x100);
        asm32.wrmsr();
        asm32.mov(eax, cr0);
        asm32.or(eax, unchecked((int)0x8000_0000));
        asm32.mov(cr0, eax);
        asm32.jmp(0x20, (uint)LongModeEntry);
    }

    /// <summary>The TSS's I/O map base (offset 0x66) points at the zeroed bitmap right after the TSS; its terminator is all ones.</summary>
    private static void WriteIoPermissionBitmapBase(this Assembler asm)
    {
        asm.mov(__word_ptr[TssAddress + 0x66], 0x68);
        asm.mov(__byte_ptr[TssAddress + TssLimit], 0xFF);
    }

    /// <summary>
    /// First thing at <see cref="LongModeEntry"/>: data segments, stack, a 64-bit IDT (16-byte gates, filled by
    /// <see cref="InstallGate64"/>) and TR with RSP0 so interrupts from CPL3 land on the CPL0 stack (SDM Vol. 3 7.7, 6.14).
    /// </summary>
    public static void InitLongMode(this Assembler asm64)
    {
        asm64.mov(ax, 0x18);
        asm64.mov(ds, ax);
        asm64.mov(es, ax);
        asm64.mov(ss, ax);
        asm64.mov(rsp, StackTop);
        asm64.mov(__qword_ptr[TssAddress + 4], (int)StackTop);
        asm64.WriteIoPermissionBitmapBase();
        asm64.mov(ax, 0x38);
        asm64.ltr(ax);
        asm64.mov(__word_ptr[IdtAddress + 0x1000], 0xFFF);
        asm64.mov(__qword_ptr[IdtAddress + 0x1002], (int)IdtAddress);
        asm64.lidt(__[IdtAddress + 0x1000]);
    }

    /// <summary>Emits <paramref name="handler"/> inline and points 64-bit IDT entry <paramref name="vector"/> at it (interrupt gate, CS 0x20). Clobbers RAX.</summary>
    public static void InstallGate64(this Assembler asm64, byte vector, Action<Assembler> handler)
    {
        var install = asm64.CreateLabel();
        var body = asm64.CreateLabel();
        asm64.jmp(install);
        asm64.Label(ref body);
        handler(asm64);
        asm64.Label(ref install);
        asm64.lea(rax, __[body]);
        uint gate = IdtAddress + (16u * vector);
        asm64.mov(__word_ptr[gate], ax);
        asm64.mov(__word_ptr[gate + 2], 0x20);
        asm64.mov(__word_ptr[gate + 4], 0x8E00);
        asm64.shr(rax, 16);
        asm64.mov(__word_ptr[gate + 6], ax);
        asm64.shr(rax, 16);
        asm64.mov(__dword_ptr[gate + 8], eax);
    }

    /// <summary>IRETQ to the code that follows at CPL3 (CS 0x33, SS 0x2B) with IOPL=3 and IF=1, on a stack below 0x6000.</summary>
    public static void EnterUserMode64(this Assembler asm64)
    {
        var user = asm64.CreateLabel();
        asm64.push(0x2B);
        asm64.push((int)UserStackTop);
        asm64.push(0x3202);
        asm64.push(0x33);
        asm64.lea(rax, __[user]);
        asm64.push(rax);
        asm64.iretq();
        asm64.Label(ref user);
    }
}
