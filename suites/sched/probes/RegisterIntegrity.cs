using Rig.Guest;
using Rig.Suites.Sched.Records;

/// <summary>
/// sched.register-integrity, guest side: every vCPU loads its general-purpose and XMM registers, the upper halves of its
/// YMM registers where CPUID offers AVX (enabled in XCR0 through the gate), FS/GS bases and the MSRs it can write
/// through the gate (KERNEL_GS_BASE, TSC_AUX, PAT) with values that name VM, vCPU and register, and
/// checks them while the host churns, until the host says the churn is over (<see cref="ChurnWindow"/>; `ms=` at most).
/// `RIG regdiff` reports a register that changed (the host's oracle judges); `RIG held` sums up each vCPU's rounds. The
/// probe raises no exception itself, so one under the churn is its state changed under it: `RIG fault` names vector
/// and RIP, and the probe ends with status 1. The VM's number comes from `vm=`.
/// </summary>
public static unsafe class Probe
{
    public const string Name = ThisCase.Id;

    /// <summary>One hold: ~100k rounds of 47 (79 with YMM) comparisons, a few ms natively; the MSRs are re-read (a gate call each) between holds.</summary>
    private const ulong RoundsPerHold = 100_000;
    private const int MaxReportsPerVcpu = 8;

    private const uint FsBase = 0xC000_0100;
    private const uint GsBase = 0xC000_0101;
    private const uint KernelGsBase = 0xC000_0102;
    private const uint TscAux = 0xC000_0103;
    private const uint Pat = 0x277;

    private static ulong windowUs;
    private static ulong vm;

    public static void Main()
    {
        windowUs = CommandLine.GetNumber("ms", 20_000) * 1000;
        vm = CommandLine.GetNumber("vm", 0);
        // Every wait and window rests on the TSC frequency: a wrong one shows here, even when the window never ends.
        Line line = default;
        line.Text("RIG ");
        line.Text(TscRecord.Kind);
        line.Field(TscRecord.Hz, Tsc.Hz);
        line.TextField(TscRecord.Source, Tsc.Source);
        line.Field(TscRecord.PitHighestHz, Pit.HighestEstimate);
        Console.Write(ref line);
        for (int vector = 0; vector < 32; vector++)
        {
            if (vector != 2)
            {
                Events.Register(vector, &OnException);
            }
        }
        Team.Run(Name, &Work);
    }

    /// <summary>`RIG fault`: an exception the probe never raises itself, so its registers (RIP, RSP, ...) changed under it.</summary>
    private static void OnException(EventFrame* frame)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(FaultRecord.Kind);
        line.Field(FaultRecord.Vm, vm);
        line.Field(FaultRecord.Cpu, (ulong)Cpu.Index);
        line.HexField(FaultRecord.Vector, frame->Vector);
        line.HexField(FaultRecord.Rip, frame->Rip);
        line.HexField(FaultRecord.Error, frame->ErrorCode);
        Console.Write(ref line);
        Runtime.Exit(1);
    }

    /// <summary>What a GPR or XMM half holds on this vCPU: 0xA5, VM, vCPU, register, so a stray value says whose it is.</summary>
    private static ulong Pattern(int cpu, int register) =>
        0xA500_0000_0000_0000UL | (vm & 0xFFFF) << 32 | ((uint)cpu & 0xFF) << 24 | ((uint)register & 0xFF) << 16 | 0x5A5A;

    private static void Work(int cpu)
    {
        uint* msrs = stackalloc uint[5];
        ulong* values = stackalloc ulong[5];
        int held = HoldMsrs(cpu, msrs, values);
        bool ymm = EnableYmm(cpu);
        ulong hold = ymm ? 79UL : 47UL;
        ulong* expected = stackalloc ulong[79];
        for (int i = 0; i < 79; i++)
        {
            expected[i] = Pattern(cpu, i);
        }
        ulong* seen = stackalloc ulong[2];
        Team.Sync(10_000_000);
        if (cpu == 0)
        {
            ChurnWindow.Open(windowUs);
        }
        Team.Sync(10_000_000);
        ulong start = Tsc.Now, rounds = 0, msrChecks = 0;
        int reports = 0;
        bool last = false;
        while (!last)
        {
            last = !ChurnWindow.IsOpen(cpu);
            ulong changed = ymm ? Native.HoldRegistersYmm(expected, RoundsPerHold, seen) : Native.HoldRegisters(expected, RoundsPerHold, seen);
            if (changed != 0 && reports++ < MaxReportsPerVcpu)
            {
                Diff(cpu, seen[0], expected[seen[0]], seen[1]);
            }
            rounds += RoundsPerHold;
            for (int m = 0; m < held; m++)
            {
                msrChecks++;
                if ((!Msr.TryRead(msrs[m], out ulong v) || v != values[m]) && reports++ < MaxReportsPerVcpu)
                {
                    Diff(cpu, (ulong)RegDiffRecord.MsrRegister + msrs[m], values[m], v);
                }
            }
        }
        Line line = default;
        line.Text("RIG ");
        line.Text(HeldRecord.Kind);
        line.Field(HeldRecord.Vm, vm);
        line.Field(HeldRecord.Cpu, (ulong)cpu);
        line.Field(HeldRecord.Rounds, rounds);
        line.Field(HeldRecord.Hold, hold);
        line.Field(HeldRecord.Registers, hold + (ulong)held);
        line.Field(HeldRecord.MsrChecks, msrChecks);
        line.Field(HeldRecord.Us, Tsc.Microseconds(Tsc.Now - start));
        line.TextField(HeldRecord.Window, ChurnWindow.ClosedBy);
        Console.Write(ref line);
        if (!Team.Sync(30_000_000))
        {
            Report.Fail(Name, "vcpu-stalled");
        }
    }

    /// <summary>
    /// Enables AVX state on this vCPU where the target offers it; false, with a named skip from vCPU 0, where it does not
    /// (the YMM upper halves are then not held, and the report says so).
    /// </summary>
    private static bool EnableYmm(int cpu)
    {
        if (!AvxState.Offered)
        {
            if (cpu == 0)
            {
                Report.Skip(Name, "ymm-avx-not-offered");
            }
            return false;
        }
        AvxState.EnableHere();
        return true;
    }

    /// <summary>Writes this vCPU's values into the MSRs it may set; returns how many it holds (those the gate wrote and read back).</summary>
    private static int HoldMsrs(int cpu, uint* msrs, ulong* values)
    {
        ulong tag = (vm & 0xFFFF) << 24 | ((uint)cpu & 0xFF) << 16;
        // FS/GS/KERNEL_GS bases must be canonical (SDM Vol. 3A 3.4.4.1); PAT keeps PA0..PA3 at their reset types (the page
        // tables use them) and gives PA4..PA7 valid types that differ per vCPU (SDM Vol. 3A 13.12.2: 0,1,4,5,6,7).
        ulong* types = stackalloc ulong[6] { 6, 4, 7, 0, 1, 5 };
        ulong patHigh = 0;
        for (int e = 0; e < 4; e++)
        {
            patHigh |= types[(int)((vm + (ulong)cpu + (ulong)e) % 6)] << (8 * e);
        }
        msrs[0] = FsBase;
        values[0] = 0x0000_5A00_0000_0000UL | tag | 0x100;
        msrs[1] = GsBase;
        values[1] = 0x0000_5A00_0000_0000UL | tag | 0x200;
        msrs[2] = KernelGsBase;
        values[2] = 0x0000_5A00_0000_0000UL | tag | 0x300;
        msrs[3] = TscAux;
        values[3] = (vm & 0xFFFF) << 8 | (uint)cpu & 0xFF;
        msrs[4] = Pat;
        values[4] = patHigh << 32 | 0x0007_0406;
        int held = 0;
        for (int m = 0; m < 5; m++)
        {
            if (Msr.TryWrite(msrs[m], values[m]) && Msr.TryRead(msrs[m], out ulong back) && back == values[m])
            {
                msrs[held] = msrs[m];
                values[held] = values[m];
                held++;
            }
            else if (cpu == 0)
            {
                Line line = Report.Start(Verdict.Skip, Name);
                line.TextField("reason", NotHeld(msrs[m]));
                Report.Emit(ref line);
            }
        }
        return held;
    }

    /// <summary>The skip reason for an MSR the gate could not write or read back (e.g. TSC_AUX under kvm_pvm).</summary>
    private static string NotHeld(uint msr) => msr switch
    {
        FsBase => "fs-base-not-held",
        GsBase => "gs-base-not-held",
        KernelGsBase => "kernel-gs-base-not-held",
        TscAux => "tsc-aux-not-held",
        _ => "pat-not-held",
    };

    /// <summary>`RIG regdiff`: register (index into the hold's table, or <see cref="RegDiffRecord.MsrRegister"/> + MSR), expected and seen values.</summary>
    private static void Diff(int cpu, ulong register, ulong expected, ulong seen)
    {
        Line line = default;
        line.Text("RIG ");
        line.Text(RegDiffRecord.Kind);
        line.Field(RegDiffRecord.Vm, vm);
        line.Field(RegDiffRecord.Cpu, (ulong)cpu);
        line.HexField(RegDiffRecord.Register, register);
        line.HexField(RegDiffRecord.Expected, expected);
        line.HexField(RegDiffRecord.Seen, seen);
        line.Field(RegDiffRecord.Tsc, Tsc.Now);
        Console.Write(ref line);
    }
}
