namespace Rig.Guest;

/// <summary>The YMM registers for CPL3 code: AVX state enabled in XCR0 through the CPL0 gate where CPUID offers it.</summary>
public static class AvxState
{
    /// <summary>CPUID.1:ECX.XSAVE[26] and AVX[28], and the AVX state component in CPUID.(EAX=0DH,ECX=0):EAX[2] (SDM Vol. 1 13.2, 14.3).</summary>
    public static bool Offered => Cpu.HasFeature1Ecx(26) && Cpu.HasFeature1Ecx(28) && Cpu.MaxLeaf >= 0xD && (Cpu.Cpuid(0xD).Eax & 4) != 0;

    /// <summary>CR4.OSXSAVE and XCR0 = x87 | SSE | AVX on the calling vCPU (both are per logical processor). Only where <see cref="Offered"/>.</summary>
    public static void EnableHere() => Native.Gate(GateOp.EnableAvxState, 0, 0, 0);
}
