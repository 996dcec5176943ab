using Iced.Intel;
using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Bench.Hypervisor;

/// <summary>The guests the benchmarks and kvm_pvm measurements boot; each reports through COM1 and isa-debug-exit.</summary>
internal static class BenchGuests
{
    /// <summary>Port the PIO loops write to; nothing backs it, so each OUT is a bare exit and return.</summary>
    public const ushort PioPort = 0x80;

    /// <summary>Where the CPL3 loop stores its RDTSC delta for the host to read (guest-physical).</summary>
    public const uint TscDeltaAddress = 0x5000;

    public const byte ExitOk = 0x01;
    public const byte ExitGeneralProtection = 0x0D;
    public const byte ExitTimerAtCpl3 = 0x30;

    /// <summary>One byte on COM1, then isa-debug-exit 0.</summary>
    public static Assembler Hello()
    {
        var code = GuestSnippets.New32();
        code.Print("X");
        code.DebugExit(0);
        return code;
    }

    /// <summary>One byte on COM1, then halts with interrupts off for good: a VM that stays up and idle, to weigh its VMM.</summary>
    public static Assembler Idle()
    {
        var code = GuestSnippets.New32();
        var halt = code.CreateLabel();
        code.Print("X");
        code.cli();
        code.Label(ref halt);
        code.hlt();
        code.jmp(halt);
        return code;
    }

    /// <summary>
    /// Boots, bumps a 16-bit CMOS counter at 0x40/0x41 (CMOS RAM survives a reset, as a PC's battery), writes "R" on COM1
    /// at the first boot, resets until the counter passes <paramref name="resets"/>, then exits 0. The reset is asked of
    /// the 8042 (0xFE to port 0x64: QEMU microvm with -device i8042 resets there) and then of 0xCF9 (rig-hv's PC, which
    /// has no 8042 and ignores the first write), so one image times both VMMs.
    /// </summary>
    public static Assembler ResetLoop(int resets)
    {
        var code = GuestSnippets.New32();
        var done = code.CreateLabel();
        var counted = code.CreateLabel();
        code.ReadCmos(0x41);
        code.mov(bh, al);
        code.ReadCmos(0x40);
        code.mov(bl, al);
        code.inc(bx);
        code.mov(al, bl);
        code.WriteCmos(0x40);
        code.mov(al, bh);
        code.WriteCmos(0x41);
        code.cmp(bx, 1);
        code.jne(counted);
        code.Print("R");
        code.Label(ref counted);
        code.cmp(bx, (ushort)resets);
        code.ja(done);
        code.mov(al, 0xFE);
        code.@out(0x64, al);
        code.ResetViaCf9();
        code.Label(ref done);
        code.DebugExit(0);
        return code;
    }

    /// <summary>Unbacked guest-physical address the MMIO loops write to (where an HPET would be): each store is an MMIO exit.</summary>
    public const uint MmioAddress = 0xFED0_0000;

    /// <summary>
    /// In 64-bit mode, <paramref name="iterations"/> exits from CPL3 (or CPL0): OUTs to <see cref="PioPort"/>, or with
    /// <paramref name="mmio"/> stores to <see cref="MmioAddress"/>; bracketed by "S" and "E" on COM1 (written at CPL0)
    /// and an RDTSC delta stored at <see cref="TscDeltaAddress"/>. CPL3 may use ports through the TSS I/O bitmap.
    /// Exits <see cref="ExitOk"/>, or <see cref="ExitGeneralProtection"/> if an OUT at CPL3 faulted anyway.
    /// </summary>
    public static byte[] ExitLoop(int iterations, bool userMode, bool mmio)
    {
        var boot = GuestSnippets.New32();
        boot.EnterLongMode();
        var code = new Assembler(64);
        var loop = code.CreateLabel();
        var faulted = code.CreateLabel();
        code.InitLongMode();

        // The loop ends with HLT, which #GPs at CPL3 on every CPU; R15 = 1 tells the handler that #GP was the planned one.
        code.InstallGate64(13, gp =>
        {
            gp.cmp(r15, 1);
            gp.jne(faulted);
            gp.Print("E");
            gp.DebugExit(ExitOk);
            gp.Label(ref faulted);
            gp.DebugExit(ExitGeneralProtection);
        });
        code.xor(r15, r15);
        code.Print("S");
        if (userMode)
        {
            code.EnterUserMode64();
        }

        code.rdtsc();
        code.mov(esi, eax);
        code.mov(edi, edx);
        code.mov(ecx, iterations);
        code.mov(dx, PioPort);
        code.mov(ebx, MmioAddress);
        code.Label(ref loop);
        if (mmio)
        {
            code.mov(__dword_ptr[rbx], eax);
        }
        else
        {
            code.@out(dx, al);
        }

        code.dec(ecx);
        code.jnz(loop);
        code.rdtsc();
        code.sub(eax, esi);
        code.sbb(edx, edi);
        code.mov(__dword_ptr[TscDeltaAddress], eax);
        code.mov(__dword_ptr[TscDeltaAddress + 4], edx);
        if (userMode)
        {
            code.mov(r15, 1);
            code.hlt();
        }

        code.Print("E");
        code.DebugExit(ExitOk);
        return PvhElf.Build(boot, code);
    }

    /// <summary>
    /// Arms a one-shot LAPIC timer (vector 0x30, 1 ms at the 1 GHz timer clock) at CPL0, drops to CPL3 in 64-bit mode and
    /// spins: exits <see cref="ExitTimerAtCpl3"/> when the interrupt, injected with KVM_INTERRUPT, reaches its handler.
    /// </summary>
    public static byte[] TimerInterruptAtCpl3()
    {
        const uint ApicBase = 0xFEE0_0000;
        var boot = GuestSnippets.New32();
        boot.EnterLongMode();
        var code = new Assembler(64);
        var spin = code.CreateLabel();
        code.InitLongMode();
        code.InstallGate64(13, gp => gp.DebugExit(ExitGeneralProtection));
        code.InstallGate64(0x30, timer => timer.DebugExit(ExitTimerAtCpl3));
        code.mov(ebx, ApicBase);
        code.mov(__dword_ptr[rbx + 0xF0], 0x1FF); // SVR: software enable
        code.mov(__dword_ptr[rbx + 0x3E0], 0xB); // divide by 1
        code.mov(__dword_ptr[rbx + 0x320], 0x30); // LVT timer: one-shot, vector 0x30
        code.mov(__dword_ptr[rbx + 0x380], 1_000_000); // initial count
        code.EnterUserMode64();
        code.nop();
        code.Label(ref spin);
        code.jmp(spin);
        return PvhElf.Build(boot, code);
    }
}
