using System.Buffers.Binary;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Bench.PioExit;

/// <summary>
/// The benchmark guest: from the PVH entry (32-bit protected mode, paging off) it enters long mode, drops to CPL3 with
/// iretq, and runs <c>out dx, al</c> to <see cref="CountPort"/> a given number of times, then writes 0 to
/// <see cref="StopPort"/> (isa-debug-exit in rig-hv and QEMU). The loop must run at CPL3: under kvm_pvm, CPL0 code runs in
/// KVM's instruction emulator (shared/notes/aot-probe.md), which would measure the emulator, not the exit path.
/// Any exception lands in a CPL0 handler that writes vector + 1 to the stop port, so a #GP from <c>out</c> at CPL3 (I/O not
/// allowed) is reported as 14, not as a hang or triple fault.
/// All tables live inside the image at fixed addresses; the whole image is one flat blob that runs at
/// <see cref="EntryAddress"/>, so a raw loader (pio_vmm) and a PVH ELF loader run the same bytes.
/// </summary>
internal static class PioLoopGuest
{
    /// <summary>Port 0x80, the POST-code port: nothing in rig-hv or QEMU acts on writes to it.</summary>
    public const ushort CountPort = 0x80;

    public const ushort StopPort = 0xF4;

    /// <summary>IOPL=3 (bits 12-13, SDM Vol. 1 3.4.3.3) lets CPL3 use in/out without an I/O bitmap; bit 1 is reserved as 1.</summary>
    public const ulong DefaultUserRflags = 0x3002;

    private const ulong Code64Address = 0x10_0400;
    private const ulong Pml4Address = 0x10_1000;
    private const ulong PdptAddress = 0x10_2000;
    private const ulong PdAddress = 0x10_3000;
    private const ulong GdtAddress = 0x10_4000;
    private const ulong GdtrAddress = GdtAddress + 0x80;
    private const ulong IdtrAddress = GdtAddress + 0x90;
    private const ulong TssAddress = GdtAddress + 0x100;
    private const ulong IdtAddress = 0x10_5000;
    private const ulong UserStackTop = 0x10_7000;
    private const ulong KernelStackTop = 0x10_8000;
    private const ulong ImageEnd = KernelStackTop;

    private const ushort KernelCode = 0x10;
    private const ushort KernelData = 0x18;
    private const ushort UserData = 0x20 | 3;
    private const ushort UserCode = 0x28 | 3;
    private const ushort TssSelector = 0x30;
    private const int HandledVectors = 32;

    /// <summary>Where the blob is loaded and entered: PVH ELF code position (after headers at 1 MiB).</summary>
    public static ulong EntryAddress => Rig.Hypervisor.Tests.Guests.PvhElf.EntryAddress;

    /// <summary>The flat image: entry code first, then page tables, descriptor tables and stacks at their addresses.</summary>
    /// <param name="grantPortsInTss">
    /// also allow CPL3 ports 0..0xFF through the TSS I/O permission bitmap (SDM Vol. 1 19.5.2); without it the TSS has no
    /// bitmap (I/O map base past the limit), so only RFLAGS.IOPL can allow <c>out</c> at CPL3.
    /// </param>
    public static byte[] Build(uint iterations, ulong userRflags = DefaultUserRflags, bool grantPortsInTss = false)
    {
        var image = new byte[ImageEnd - EntryAddress];
        var entry32 = AssembleEntry32();
        var (code64, handlers) = AssembleLongMode(iterations, userRflags);
        if (EntryAddress + (ulong)entry32.Length > Code64Address || Code64Address + (ulong)code64.Length > Pml4Address)
        {
            throw new InvalidOperationException("guest code outgrew its space below the page tables");
        }

        Place(image, EntryAddress, entry32);
        Place(image, Code64Address, code64);
        WritePageTables(image);
        WriteDescriptorTables(image, handlers, grantPortsInTss);
        return image;
    }

    /// <summary>32-bit PVH entry: PAE paging with LME (SDM Vol. 3 10.8.5, "Initializing IA-32e Mode"), then a far return to 64-bit code.</summary>
    private static byte[] AssembleEntry32()
    {
        var asm = new Assembler(32);
        asm.mov(eax, cr4);
        asm.or(eax, 1 << 5);
        asm.mov(cr4, eax);
        asm.mov(eax, (uint)Pml4Address);
        asm.mov(cr3, eax);
        asm.mov(ecx, 0xC000_0080);
        asm.rdmsr();
        asm.or(eax, 1 << 8);
        asm.wrmsr();
        asm.lgdt(__[(uint)GdtrAddress]);
        asm.mov(eax, cr0);
        asm.or(eax, unchecked((int)0x8000_0001));
        asm.mov(cr0, eax);
        // PVH gives no stack; the far return needs one.
        asm.mov(esp, (uint)KernelStackTop);
        asm.push((int)KernelCode);
        asm.push((int)Code64Address);
        asm.retf();
        return Assemble(asm, EntryAddress).Code;
    }

    /// <summary>64-bit CPL0 setup, the CPL3 loop, and one exception stub per vector; returns the stubs' addresses.</summary>
    private static (byte[] Code, ulong[] Handlers) AssembleLongMode(uint iterations, ulong userRflags)
    {
        var asm = new Assembler(64);
        var userLoop = asm.CreateLabel();
        var loop = asm.CreateLabel();
        var done = asm.CreateLabel();
        var fault = asm.CreateLabel();
        var stubs = Enumerable.Range(0, HandledVectors).Select(_ => asm.CreateLabel()).ToArray();

        asm.mov(ax, KernelData);
        asm.mov(ds, ax);
        asm.mov(es, ax);
        asm.mov(ss, ax);
        asm.lidt(__[IdtrAddress]);
        asm.mov(ax, TssSelector);
        asm.ltr(ax);
        asm.mov(rsp, KernelStackTop);
        // iretq frame (SDM Vol. 3 6.14.3): SS, RSP, RFLAGS, CS, RIP.
        asm.push((int)UserData);
        asm.push((int)UserStackTop);
        asm.push((int)userRflags);
        asm.push((int)UserCode);
        asm.lea(rax, __[userLoop]);
        asm.push(rax);
        asm.iretq();

        asm.Label(ref userLoop);
        asm.mov(ecx, iterations);
        asm.mov(edx, CountPort);
        asm.test(ecx, ecx);
        asm.jz(done);
        asm.Label(ref loop);
        asm.@out(dx, al);
        asm.dec(ecx);
        asm.jnz(loop);
        asm.Label(ref done);
        asm.mov(edx, StopPort);
        asm.xor(eax, eax);
        asm.@out(dx, al);
        asm.jmp(done);

        for (int vector = 0; vector < HandledVectors; vector++)
        {
            asm.Label(ref stubs[vector]);
            asm.mov(al, (byte)(vector + 1));
            asm.jmp(fault);
        }

        var halt = asm.CreateLabel();
        asm.Label(ref fault);
        asm.mov(edx, StopPort);
        asm.@out(dx, al);
        asm.Label(ref halt);
        asm.hlt();
        asm.jmp(halt);

        var (code, result) = Assemble(asm, Code64Address);
        return (code, stubs.Select(stub => result.GetLabelRIP(stub)).ToArray());
    }

    private static (byte[] Code, AssemblerResult Result) Assemble(Assembler asm, ulong address)
    {
        var stream = new MemoryStream();
        var result = asm.Assemble(new StreamCodeWriter(stream), address, BlockEncoderOptions.ReturnNewInstructionOffsets);
        return (stream.ToArray(), result);
    }

    /// <summary>Identity map of the first 64 MiB with 2 MiB pages, user-accessible so the CPL3 loop can run there (SDM Vol. 3 5.5).</summary>
    private static void WritePageTables(byte[] image)
    {
        const ulong presentWritableUser = 0x7;
        const ulong largePage = 0x80;
        WriteQword(image, Pml4Address, PdptAddress | presentWritableUser);
        WriteQword(image, PdptAddress, PdAddress | presentWritableUser);
        for (ulong i = 0; i < 32; i++)
        {
            WriteQword(image, PdAddress + (i * 8), (i << 21) | presentWritableUser | largePage);
        }
    }

    /// <summary>GDT (SDM Vol. 3 3.4.5, 8.2.3 for the 64-bit TSS descriptor), TSS with RSP0, IDT of 64-bit interrupt gates (6.14.1).</summary>
    private static void WriteDescriptorTables(byte[] image, ulong[] handlers, bool grantPortsInTss)
    {
        // The I/O map base (TSS offset 0x66) is 0x68, right after the TSS. Without a bitmap the limit ends there, so every
        // port is outside it and denied; with one, 32 zero bytes allow ports 0..0xFF and the 0xFF byte the SDM asks for ends it.
        const ushort ioMapBase = 0x68;
        const int grantedPortBytes = 0x100 / 8;
        ulong tssLimit = grantPortsInTss ? ioMapBase + grantedPortBytes : ioMapBase - 1UL;
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(Offset(TssAddress + 0x66)), ioMapBase);
        if (grantPortsInTss)
        {
            image[Offset(TssAddress + ioMapBase + grantedPortBytes)] = 0xFF;
        }

        WriteQword(image, GdtAddress + KernelCode, 0x00AF_9A00_0000_FFFF);
        WriteQword(image, GdtAddress + KernelData, 0x00CF_9200_0000_FFFF);
        WriteQword(image, GdtAddress + (UserData & ~3), 0x00CF_F200_0000_FFFF);
        WriteQword(image, GdtAddress + (UserCode & ~3), 0x00AF_FA00_0000_FFFF);
        const ulong availableTss64 = 0x89;
        WriteQword(image, GdtAddress + TssSelector,
            tssLimit | ((TssAddress & 0xFF_FFFF) << 16) | (availableTss64 << 40) | ((TssAddress >> 24 & 0xFF) << 56));
        WriteQword(image, TssAddress + 4, KernelStackTop);

        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(Offset(GdtrAddress)), 0x3F);
        WriteQword(image, GdtrAddress + 2, GdtAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(Offset(IdtrAddress)), (HandledVectors * 16) - 1);
        WriteQword(image, IdtrAddress + 2, IdtAddress);

        const ulong presentInterruptGate64 = 0x8E;
        for (int vector = 0; vector < handlers.Length; vector++)
        {
            ulong handler = handlers[vector];
            ulong gate = (handler & 0xFFFF) | ((ulong)KernelCode << 16) | (presentInterruptGate64 << 40) | ((handler >> 16 & 0xFFFF) << 48);
            WriteQword(image, IdtAddress + (ulong)(vector * 16), gate);
            WriteQword(image, IdtAddress + (ulong)(vector * 16) + 8, handler >> 32);
        }
    }

    private static void Place(byte[] image, ulong address, byte[] bytes) => bytes.CopyTo(image, Offset(address));

    private static void WriteQword(byte[] image, ulong address, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(Offset(address)), value);

    private static int Offset(ulong address) => checked((int)(address - EntryAddress));
}
