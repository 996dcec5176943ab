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
/// </summary>
public static class RegisterHold
{
    public const int Gprs = 15;
    public const int Values = Gprs + 32;

    private const int Rounds = 8;
    private const int Seen = 16;
    private const int Expected = 24;
    private const int SeenValue = Expected + (Values * 8);
    private const int SeenIndex = SeenValue + 8;
    private const int Scratch = SeenIndex + 8;
    private const int Frame = Scratch + 16;

    public static void Emit(Code64 code)
    {
        Assembler a = code.Asm;
        AssemblerRegister64[] gprs = [rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15];
        AssemblerRegisterXMM[] xmms = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15];
        AssemblerRegister64[] calleeSaved = [rbx, rbp, r12, r13, r14, r15];
        Label entry = a.CreateLabel(), loop = a.CreateLabel(), report = a.CreateLabel(), done = a.CreateLabel();

        a.Label(ref entry);
        code.Exports["rig_hold_registers"] = entry;
        foreach (var r in calleeSaved)
        {
            a.push(r);
        }
        a.sub(rsp, Frame);
        a.mov(__qword_ptr[rsp + Rounds], rsi);
        a.mov(__qword_ptr[rsp + Seen], rdx);

        // The expected values go on the stack, so every comparison can address them through RSP alone.
        for (int i = 0; i < Values; i++)
        {
            a.mov(rax, __qword_ptr[rdi + (i * 8)]);
            a.mov(__qword_ptr[rsp + Expected + (i * 8)], rax);
        }
        for (int x = 0; x < xmms.Length; x++)
        {
            a.movdqu(xmms[x], __xmmword_ptr[rsp + Expected + ((Gprs + (2 * x)) * 8)]);
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

        // RAX is the scratch for the XMM checks (it was just found intact) and is reloaded from its expected value after.
        var xmmFail = new Label[32];
        for (int x = 0; x < xmms.Length; x++)
        {
            a.movdqu(__xmmword_ptr[rsp + Scratch], xmms[x]);
            for (int half = 0; half < 2; half++)
            {
                int index = Gprs + (2 * x) + half;
                xmmFail[index - Gprs] = a.CreateLabel();
                a.mov(rax, __qword_ptr[rsp + Scratch + (half * 8)]);
                a.cmp(rax, __qword_ptr[rsp + Expected + (index * 8)]);
                a.jne(xmmFail[index - Gprs]);
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
            a.mov(__qword_ptr[rsp + SeenValue], gprs[i]);
            a.mov(__qword_ptr[rsp + SeenIndex], i);
            a.jmp(report);
        }
        for (int k = 0; k < xmmFail.Length; k++)
        {
            a.Label(ref xmmFail[k]);
            a.mov(__qword_ptr[rsp + SeenValue], rax);
            a.mov(__qword_ptr[rsp + SeenIndex], Gprs + k);
            a.jmp(report);
        }

        a.Label(ref report);
        a.mov(rdx, __qword_ptr[rsp + Seen]);
        a.mov(rax, __qword_ptr[rsp + SeenIndex]);
        a.mov(__qword_ptr[rdx], rax);
        a.mov(rax, __qword_ptr[rsp + SeenValue]);
        a.mov(__qword_ptr[rdx + 8], rax);
        a.mov(eax, 1);

        a.Label(ref done);
        a.add(rsp, Frame);
        foreach (var r in calleeSaved.Reverse())
        {
            a.pop(r);
        }
        a.ret();
    }
}
