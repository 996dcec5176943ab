using System.Runtime.InteropServices;

namespace Rig.Guest;

/// <summary>What the stub hands to C# at entry: the one definition, StubGen reads its offsets off this struct (StubGen/BootInfo.cs).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BootInfo
{
    public ulong StartInfoPaddr;
    public ulong Ap16Template;
    public ulong Ap16Length;
    public ulong ApStartPage;
    public ulong FixupTable;
    public ulong FixupCount;
    public ulong UserStacksBase;
    public ulong UserStackShift;
    public ulong MaxCpus;
    public ulong HeapBase;
    public ulong HeapEnd;
    public ulong SampleBase;
    public ulong CpusStarted;
    public ulong NmiAtCpl0;
    public ulong ProbeName;
    public ulong KernelStacksBase;
    public ulong KernelStacksStride;

    // The level-storm guard (Runtime/LevelStormGuard.cs): written by C#, read by the stub's CPL3 event path.
    public ulong LevelGuardVector;
    public ulong LevelGuardIoApic;
    public ulong LevelGuardSelect;
    public ulong LevelGuardMaskedEntry;
    public ulong LevelGuardTrips;
}
