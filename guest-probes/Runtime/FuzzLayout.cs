namespace Rig.Guest;

/// <summary>
/// The contract between the fuzzing probe (guest-probes/probes/Fuzz.cs) and <c>rig fuzz</c> (rig/Rig.Core/Fuzz): where
/// the probe's status block lives and what each quadword holds, the interface numbers (also the order of the 6-bit
/// fields of <c>weights=</c> and of the per-interface counters) and the default weights. This one file is compiled into
/// the guest runtime and into Rig.Core, so a field moved on one side fails the build instead of misreading a count.
/// </summary>
internal static class FuzzLayout
{
    /// <summary>The status block: 4 KiB at 8 MiB, above the runtime's heap (guest-probes/StubGen/Layout.cs SampleBase).</summary>
    public const ulong StatusGpa = 0x800000;
    public const int StatusLength = 4096;
    public const ulong Magic = 0x315A5A5546474952; // "RIGFUZZ1"

    // Header quadwords.
    public const int HeaderMagic = 0;
    public const int HeaderSeed = 1;
    public const int HeaderBoot = 2;
    public const int HeaderCpus = 3;
    public const int HeaderWeights = 4;
    public const int HeaderXen = 5;

    /// <summary>Per vCPU, 32 quadwords from quadword 32: up to 16 vCPUs fill the 4 KiB.</summary>
    public const int CpuBase = 32;
    public const int CpuStride = 32;
    public const int MaxCpus = 16;

    // Per-vCPU quadwords.
    public const int CpuInputs = 0;
    public const int CpuInterface = 1;
    public const int CpuA = 2;
    public const int CpuB = 3;
    public const int CpuC = 4;
    public const int CpuStrays = 5;
    public const int CpuFaultRip = 6;
    public const int CpuFaultRepeats = 7;
    public const int CpuPerInterface = 8;

    /// <summary>Violations of the oracles beyond survival (<see cref="FuzzOracle"/>, the canary), per kind: quadword 18 + kind - 1.</summary>
    public const int CpuViolationsPerKind = 18;

    /// <summary>This vCPU's first violation: its kind, the input it came from, and four words that say what (per kind, see FuzzViolation).</summary>
    public const int CpuFirstViolationKind = 23;
    public const int CpuFirstViolationInput = 24;
    public const int CpuFirstViolationA = 25;

    /// <summary>Answers judged by the oracles (bad pointers, event-channel rules) and canary quadwords compared.</summary>
    public const int CpuOracleChecks = 29;
    public const int CpuCanaryChecks = 30;

    // Violation kinds.
    public const int ViolationBadPointer = 1;
    public const int ViolationBadFrame = 2;
    public const int ViolationCanary = 3;
    public const int ViolationErrno = 4;
    public const int ViolationInvariant = 5;
    public const int ViolationKinds = 5;

    /// <summary>
    /// The canary: RAM no input names (past the scratch area and a 128 KiB gap, which absorbs a record the hypervisor may
    /// legitimately place at the scratch area's last byte), filled with <see cref="CanaryWord"/> at boot and compared
    /// while the probe runs and at each boot after a reset. A change is a write by the hypervisor to the wrong guest address.
    /// </summary>
    public const ulong CanaryGpa = 0x880000;
    public const ulong CanaryLength = 0x80000;

    /// <summary>The canary's quadword at <paramref name="gpa"/>: a function of the address alone, so a shifted copy does not match.</summary>
    public static ulong CanaryWord(ulong gpa) => (gpa ^ 0x43414E4152595F31) * 0x9E3779B97F4A7C15;

    // Interfaces.
    public const int PortOut = 0;
    public const int PortIn = 1;
    public const int MsrRead = 2;
    public const int MsrWrite = 3;
    public const int MmioRead = 4;
    public const int MmioWrite = 5;
    public const int Hypercall = 6;
    public const int EvtchnFifo = 7;
    public const int Com2Request = 8;
    public const int Reset = 9;
    public const int Interfaces = 10;

    /// <summary>6 bits per weighted interface (all but <see cref="Reset"/>, which comes once per reset-every inputs).</summary>
    public const int WeightBits = 6;
    public const ulong DefaultWeights = 16UL | 16UL << 6 | 8UL << 12 | 8UL << 18 | 12UL << 24 | 12UL << 30 | 12UL << 36 | 8UL << 42 | 2UL << 48;
}
