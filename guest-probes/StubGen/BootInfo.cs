namespace Rig.Probes.StubGen;

/// <summary>
/// The record the stub hands to C# (RDI at the C# entry). Field order must match
/// guest-probes/Runtime/BootInfo.cs: this is the one interface between the two layers.
/// </summary>
public static class BootInfo
{
    public const int StartInfoPaddr = 0;   // EBX at the PVH entry: hvm_start_info (Xen arch-x86/hvm/start_info.h)
    public const int Ap16Template = 8;
    public const int Ap16Length = 16;
    public const int ApStartPage = 24;
    public const int FixupTable = 32;      // pairs (faulting RIP, resume RIP) of the CPL3 "try" helpers
    public const int FixupCount = 40;
    public const int UserStacksBase = 48;
    public const int UserStackShift = 56;
    public const int MaxCpus = 64;
    public const int HeapBase = 72;
    public const int HeapEnd = 80;
    public const int SampleBase = 88;
    public const int CpusStarted = 96;     // LOCK XADD by each vCPU's CPL0 entry: its index
    public const int NmiAtCpl0 = 104;      // NMIs that hit the CPL0 gate: counted, not delivered to C#
    public const int ProbeName = 112;      // C# stores a pointer to a NUL-terminated ASCII name for CPL0 fatal reports
    public const int KernelStacksBase = 120; // per-vCPU blocks of KernelStacksStride bytes: held-event state at their base
    public const int KernelStacksStride = 128;
    public const int Size = 136;
}
