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
