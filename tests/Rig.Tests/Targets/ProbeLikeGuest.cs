using Iced.Intel;
using Rig.Hypervisor.Tests.Guests;
using static Iced.Intel.AssemblerRegisters;

namespace Rig.Tests.Targets;

/// <summary>
/// A stand-in for a probe: prints fixed COM1 lines and leaves through isa-debug-exit with a status, so the rig's
/// boot/COM1/exit path can be tested on real QEMU without the probe toolchain. Writes go straight to THR: QEMU's
/// 16550 accepts a byte whenever the chardev is connected, which the rig ensures before the guest runs.
/// </summary>
public static class ProbeLikeGuest
{
    /// <param name="exitStatus">Written to the debug-exit port after the lines; null makes a guest that halts forever.</param>
    public static string WriteImage(string directory, IEnumerable<string> com1Lines, byte? exitStatus)
    {
        var asm = new Assembler(32);
        asm.mov(dx, (ushort)0x3F8);
        foreach (var c in string.Concat(com1Lines.Select(l => l + "\n")))
        {
            asm.mov(al, (byte)c);
            asm.@out(dx, al);
        }

        if (exitStatus is { } status)
        {
            asm.mov(dx, (ushort)0xF4);
            asm.mov(al, status);
            asm.@out(dx, al);
        }

        var halt = asm.CreateLabel();
        asm.Label(ref halt);
        asm.hlt();
        asm.jmp(halt);

        var path = Path.Combine(directory, "ProbeLike.elf");
        File.WriteAllBytes(path, PvhElf.Build(asm));
        return path;
    }
}
