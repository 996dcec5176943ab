using Rig.Guest;

/// <summary>
/// The LAPIC timer in periodic mode for a period in microseconds. Its input clock is not architecturally tied
/// to the TSC (SDM 12.5.4: the bus or core crystal clock), so the rate is measured once against the TSC with
/// a masked one-shot count, divide by 1.
/// </summary>
public static class ApicTimer
{
    private const uint Masked = 1u << 16;
    private static ulong countsPerMs;

    public static bool StartPeriodic(int vector, ulong periodUs)
    {
        if (countsPerMs == 0)
        {
            Calibrate(vector);
        }
        ulong counts = countsPerMs * periodUs / 1000;
        if (counts == 0 || counts > 0xFFFF_FFFFu)
        {
            return false;
        }
        LocalApic.StartTimer(vector, 1, (uint)counts);
        return true;
    }

    private static void Calibrate(int vector)
    {
        LocalApic.Write(LocalApic.RegTimerDivide, 0xB);
        LocalApic.Write(LocalApic.RegLvtTimer, Masked | (uint)vector);
        LocalApic.Write(LocalApic.RegTimerInitial, 0xFFFF_FFFFu);
        Tsc.Wait(2_000);
        uint left = LocalApic.Read(LocalApic.RegTimerCurrent);
        LocalApic.Write(LocalApic.RegTimerInitial, 0);
        countsPerMs = (0xFFFF_FFFFu - left) / 2;
    }
}
