namespace Rig.Guest;

/// <summary>
/// Makes SYSCALL usable (SDM Vol. 3A 5.8.8): EFER.SCE, STAR with the stub's selectors (SYSCALL CS = 0x08, SS = 0x10;
/// SYSRET CS = 0x10 + 16 | 3 = 0x23, SS = 0x10 + 8 | 3 = 0x1B), LSTAR = the stub's entry, and SFMASK clearing IF, TF, DF
/// and AC so the entry runs on the caller's stack with interrupts off. False if an MSR write was refused.
/// </summary>
public static class SyscallSetup
{
    private const uint Efer = 0xC000_0080, Star = 0xC000_0081, Lstar = 0xC000_0082, Sfmask = 0xC000_0084;

    public static bool Enable()
    {
        if (!Msr.TryRead(Efer, out ulong efer))
        {
            return false;
        }
        return Msr.TryWrite(Star, (0x10UL << 48) | (0x08UL << 32))
            && Msr.TryWrite(Lstar, CpuNative.SyscallEntry())
            && Msr.TryWrite(Sfmask, 0x4_0700)
            && Msr.TryWrite(Efer, efer | 1);
    }
}
