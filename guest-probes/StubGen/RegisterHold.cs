using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Probes.StubGen;

/// <summary>
/// <c>rig_hold_registers(ulong* expected, ulong rounds, ulong* seen)</c> (suites/sched register-integrity): loads every
/// general-purpose register but RSP and every XMM register with the 47 values of <c>expected</c> (RAX, RBX, RCX, RDX,
/// RSI, RDI, RBP, R8..R15, then XMM0..XMM15 as low/high quadwords), then for <c>rounds</c> rounds compares each with
/// its value and PAUSEs. Nothing in the loop writes a checked register, so any difference was made from outside the
/// guest (SDM Vol. 1 3.4.1 / 10.2: the architecture changes these only by instructions that name them). Returns 0,
/// or 1 with seen[0] = the register's index in <c>expected</c> and seen[1] = the value found. C# cannot hold a register
/// across a loop, hence machine code; it is CPL3, so under kvm_pvm it runs natively (SSE included).
/// <c>rig_hold_registers_ymm</c> holds 32 more values, bits 255:128 of YMM0..YMM15 as low/high quadwords (SDM Vol. 1
/// 14.1: legacy SSE instructions leave them alone, VINSERTF128 writes them); it needs AVX state enabled in XCR0.
/// </summary>
public static class RegisterHold
{
    public const int Gprs = 15;
    public const int Values = Gprs + 32;
    public const int ValuesWithYmm = Values + 32;

    private const int Rounds = 8;
    private const int Seen = 16;
    private const int Expected = 24;

    public static void Emit(Code64 code, bool ymm)
    {
        int values = ymm ? ValuesWithYmm : Values;
        int seenValue = Expected + (values * 8);
        int seenIndex = seenValue + 8;
        int scratch = seenIndex + 8;
        int frame = scratch + 16;
        Assembler a = code.Asm;
        AssemblerRegister64[] gprs = [rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15];
        AssemblerRegisterXMM[] xmms = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15];
        AssemblerRegisterYMM[] ymms = [ymm0, ymm1, ymm2, ymm3, ymm4, ymm5, ymm6, ymm7, ymm8, ymm9, ymm10, ymm11, ymm12, ymm13, ymm14, ymm15];
        AssemblerRegister64[] calleeSaved = [rbx, rbp, r12, r13, r14, r15];
        Label entry = a.CreateLabel(), loop = a.CreateLabel(), report = a.CreateLabel(), done = a.CreateLabel();

        a.Label(ref entry);
        code.Exports[ymm ? "rig_hold_registers_ymm" : "rig_hold_registers"] = entry;
        foreach (var r in calleeSaved)
        {
            a.push(r);
        }
        a.sub(rsp, frame);
        a.mov(__qword_ptr[rsp + Rounds], rsi);
        a.mov(__qword_ptr[rsp + Seen], rdx);

        // The expected values go on the stack, so every comparison can address them through RSP alone.
        for (int i = 0; i < values; i++)
        {
            a.mov(rax, __qword_ptr[rdi + (i * 8)]);
            a.mov(__qword_ptr[rsp + Expected + (i * 8)], rax);
        }
        for (int x = 0; x < xmms.Length; x++)
        {
            a.movdqu(xmms[x], __xmmword_ptr[rsp + Expected + ((Gprs + (2 * x)) * 8)]);
            if (ymm)
            {
                a.vinsertf128(ymms[x], ymms[x], __xmmword_ptr[rsp + Expected + ((Values + (2 * x)) * 8)], 1);
            }
        }
        for (int i = 0; i < Gprs; i++)
        {
            a.mov(gprs[i], __qword_ptr[rsp + Expected + (i * 8)]);
        }

        var gprFail = new Label[Gprs];
        a.Label(ref loop);
        a.pause();
        for (int i = 0; i < Gprs; i++)
        {
            gprFail[i] = a.CreateLabel();
            a.cmp(gprs[i], __qword_ptr[rsp + Expected + (i * 8)]);
            a.jne(gprFail[i]);
        }

        // RAX is the scratch for the vector checks (it was just found intact) and is reloaded from its expected value after.
        var vectorFail = new Label[values - Gprs];
        for (int x = 0; x < xmms.Length; x++)
        {
            a.movdqu(__xmmword_ptr[rsp + scratch], xmms[x]);
            CheckScratch(Gprs + (2 * x));
        }
        if (ymm)
        {
            for (int x = 0; x < ymms.Length; x++)
            {
                a.vextractf128(__xmmword_ptr[rsp + scratch], ymms[x], 1);
                CheckScratch(Values + (2 * x));
            }
        }
        a.mov(rax, __qword_ptr[rsp + Expected]);
        a.dec(__qword_ptr[rsp + Rounds]);
        a.jnz(loop);
        a.xor(eax, eax);
        a.jmp(done);

        for (int i = 0; i < Gprs; i++)
        {
            a.Label(ref gprFail[i]);
            a.mov(__qword_ptr[rsp + seenValue], gprs[i]);
            a.mov(__qword_ptr[rsp + seenIndex], i);
            a.jmp(report);
        }
        for (int k = 0; k < vectorFail.Length; k++)
        {
            a.Label(ref vectorFail[k]);
            a.mov(__qword_ptr[rsp + seenValue], rax);
            a.mov(__qword_ptr[rsp + seenIndex], Gprs + k);
            a.jmp(report);
        }

        a.Label(ref report);
        a.mov(rdx, __qword_ptr[rsp + Seen]);
        a.mov(rax, __qword_ptr[rsp + seenIndex]);
        a.mov(__qword_ptr[rdx], rax);
        a.mov(rax, __qword_ptr[rsp + seenValue]);
        a.mov(__qword_ptr[rdx + 8], rax);
        a.mov(eax, 1);

        a.Label(ref done);
        if (ymm)
        {
            a.vzeroupper(); // the C# that follows is legacy SSE: no dirty upper state to carry into it
        }
        a.add(rsp, frame);
        foreach (var r in calleeSaved.Reverse())
        {
            a.pop(r);
        }
        a.ret();

        // The two quadwords at the scratch slot against expected[index] and expected[index + 1].
        void CheckScratch(int index)
        {
            for (int half = 0; half < 2; half++)
            {
                vectorFail[index + half - Gprs] = a.CreateLabel();
                a.mov(rax, __qword_ptr[rsp + scratch + (half * 8)]);
                a.cmp(rax, __qword_ptr[rsp + Expected + ((index + half) * 8)]);
                a.jne(vectorFail[index + half - Gprs]);
            }
        }
    }
}
