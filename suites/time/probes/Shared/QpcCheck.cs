using Rig.Guest;

/// <summary>
/// Reads every clock in turn, round after round, as a Windows program calls QueryPerformanceCounter: each reading is
/// compared with the same clock's previous one on this vCPU, which it may never be below (QPC is monotonic; DWM's
/// MILERR_QPC_TIME_WENT_BACKWARD, seed 000). The largest forward step is kept, and for a pvclock also its excess: how
/// much more its step was than the step of the TSC values it was computed from, at the record's scale. A pvclock scales the TSC (public/xen.h
/// vcpu_time_info), so only a record update can add to its step, and a hypervisor has no reason to move time forward
/// by more than it held the VM; the vCPU being descheduled by a loaded host shows in both steps and cancels out, so
/// this bound holds however long the host kept the vCPU off a CPU. Seed 000's jump of centuries is all excess.
/// Results go to <see cref="StepCheck"/>'s per-vCPU slots and print as its `RIG steps` lines.
/// </summary>
public static unsafe class QpcCheck
{
    /// <summary>Reads every available clock until <paramref name="microseconds"/> of this vCPU's TSC have passed.</summary>
    public static void Run(int mask, ulong microseconds)
    {
        int cpu = Cpu.Index;
        ulong* previous = stackalloc ulong[Clocks.Count];
        ulong* previousTsc = stackalloc ulong[Clocks.Count];
        // Bytes, not PvClockTimeInfo[]: a struct array's size is a checked multiply whose overflow helper the probe runtime lacks.
        byte* records = stackalloc byte[Clocks.Count * sizeof(PvClockTimeInfo)];
        PvClockTimeInfo* previousRecord = (PvClockTimeInfo*)records;
        for (int c = 0; c < Clocks.Count; c++)
        {
            if (StepCheck.Wanted(mask, c))
            {
                previous[c] = Clocks.Read(c, out previousTsc[c], out previousRecord[c]);
            }
        }
        ulong start = Tsc.Now;
        ulong end = start + Tsc.Cycles(microseconds);
        ulong t = start;
        while (t < end)
        {
            for (int c = 0; c < Clocks.Count; c++)
            {
                if (StepCheck.Wanted(mask, c))
                {
                    Step(StepCheck.Of(cpu, c), c, previous + c, previousTsc + c, previousRecord + c);
                }
            }
            t = Tsc.Now;
        }
        for (int c = 0; c < Clocks.Count; c++)
        {
            StepCheck.Of(cpu, c)->SpanCycles += t - start;
        }
    }

    private static void Step(StepStats* s, int clock, ulong* previous, ulong* previousTsc, PvClockTimeInfo* previousRecord)
    {
        ulong now = Clocks.Read(clock, out ulong tsc, out PvClockTimeInfo record);
        ulong prev = *previous;
        s->Reads++;
        if (s->Step(prev, now, *previousRecord, record) && clock >= Clocks.KvmClock && tsc >= *previousTsc)
        {
            // The TSC's step in ns at the record's own scale: the guest's TSC frequency (from CPUID 0x16's MHz, say)
            // may be 0.1 % off, which over seconds of descheduling would read as excess.
            ulong tscStep = PvClock.ScaleDelta(tsc - *previousTsc, record.TscToSystemMul, record.TscShift);
            ulong step = now - prev;
            ulong excess = step > tscStep ? step - tscStep : 0;
            s->ExcessChecks++;
            if (excess > s->MaxExcess)
            {
                s->MaxExcess = excess;
            }
        }
        *previous = now;
        *previousTsc = tsc;
        *previousRecord = record;
    }
}
