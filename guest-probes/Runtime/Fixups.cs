namespace Rig.Guest;

/// <summary>
/// The stub's table of (faulting RIP, resume RIP) for its CPL3 "try" helpers, like Linux's exception table:
/// a fault there is an expected outcome the helper returns, not an error.
/// </summary>
internal static unsafe class Fixups
{
    public const ulong FaultBit = 1UL << 63;

    public static bool TryResume(EventFrame* frame)
    {
        BootInfo* boot = Runtime.Boot;
        ulong* table = (ulong*)boot->FixupTable;
        for (ulong i = 0; i < boot->FixupCount; i++)
        {
            if (table[2 * i] == frame->Rip)
            {
                frame->Rax = FaultBit | frame->Vector;
                frame->Rdx = frame->ErrorCode; // suites/cpu's helpers report it (StubGen/CpuCheckCode.cs); RDX is caller-saved for every helper
                frame->Rip = table[2 * i + 1];
                return true;
            }
        }
        return false;
    }
}
