namespace Rig.Guest;

/// <summary>
/// The LAPIC timer in periodic mode for a period in microseconds. Its input clock is not architecturally tied
/// to the TSC (SDM 12.5.4: the bus or core crystal clock), so the first boot measures the rate against the TSC
/// with a masked one-shot count, divide by 1, and keeps it in CMOS: later boots arm the timer once and wait, as
/// a HAL does, so an arming lost across a reset shows as a missing tick, not as a strange calibration.
/// </summary>
public static class ApicTimer
{
    private const uint Masked = 1u << 16;
    private const byte CmosSlot = 0x78; // four bytes, 0x78-0x7B

    // Read from CMOS once per boot: each CMOS byte is two port accesses, ~60 µs each through the gate on kvm_pvm,
    // which would otherwise sit inside every measured arming.
    private static ulong countsPerMs;

    private const int CalibrationTries = 32;

    /// <summary>How long each measurement counts: long enough that an unloaded bracket (~120 µs for the two emulated
    /// LAPIC accesses under kvm_pvm) is under 1 % of it.</summary>
    private const ulong CalibrationUs = 20_000;

    /// <summary>
    /// Measures and keeps the rate; false when the timer did not count down at all. The count starts with the
    /// initial-count write and is sampled by the current-count read, each bracketed by TSC reads: a vCPU preempted
    /// between an access and its TSC read (a loaded host) skews the rate by up to the length of the preemption. At a
    /// load average of 60-70 on 2 cores the tightest of 8 tries of 2 ms was still off by 42 % and 50 % (a 1 GHz timer
    /// measured at 1.42 and 1.50 GHz: apic.timer-edges' masked count then had 15 % left when it was due), so a try
    /// counts 20 ms and the first whose brackets sum to under 1 % of it is kept; failing that, the tightest of
    /// <see cref="CalibrationTries"/>.
    /// </summary>
    public static bool Calibrate(int vector)
    {
        LocalApic.Write(LocalApic.RegTimerDivide, 0xB);
        LocalApic.Write(LocalApic.RegLvtTimer, Masked | (uint)vector);
        ulong counts = 0, cycles = 0, slop = 0xFFFF_FFFF_FFFF_FFFF;
        for (int i = 0; i < CalibrationTries && slop > Tsc.Cycles(CalibrationUs) / 100; i++)
        {
            ulong t0 = Tsc.Now;
            LocalApic.Write(LocalApic.RegTimerInitial, 0xFFFF_FFFFu);
            ulong t1 = Tsc.Now;
            Tsc.Wait(CalibrationUs);
            ulong r0 = Tsc.Now;
            uint left = LocalApic.Read(LocalApic.RegTimerCurrent);
            ulong r1 = Tsc.Now;
            LocalApic.Write(LocalApic.RegTimerInitial, 0);
            if (left != 0 && (t1 - t0) + (r1 - r0) < slop)
            {
                slop = (t1 - t0) + (r1 - r0);
                counts = 0xFFFF_FFFFu - left;
                cycles = (r0 + r1) / 2 - (t0 + t1) / 2;
            }
        }
        countsPerMs = cycles == 0 ? 0 : counts * Tsc.Cycles(1000) / cycles;
        for (int i = 0; i < 4; i++)
        {
            Cmos.Write((byte)(CmosSlot + i), (byte)(countsPerMs >> (8 * i)));
        }
        return countsPerMs != 0;
    }

    /// <summary>Arms the periodic timer from the rate the first boot measured; false when there is none.</summary>
    public static bool StartPeriodic(int vector, ulong periodUs) => Start(vector, 1, periodUs);

    /// <summary>A one-shot count of <paramref name="periodUs"/>; a masked LVT still counts but must not deliver (SDM 12.5.1).</summary>
    public static bool StartOneShot(int vector, ulong periodUs, bool masked) => Start(masked ? vector | (int)Masked : vector, 0, periodUs);

    private static bool Start(int lvt, uint mode, ulong periodUs)
    {
        if (countsPerMs == 0)
        {
            for (int i = 0; i < 4; i++)
            {
                countsPerMs |= (ulong)Cmos.Read((byte)(CmosSlot + i)) << (8 * i);
            }
        }
        ulong counts = countsPerMs * periodUs / 1000;
        if (counts == 0 || counts > 0xFFFF_FFFFu)
        {
            return false;
        }
        LocalApic.StartTimer(lvt, mode, (uint)counts);
        return true;
    }
}
