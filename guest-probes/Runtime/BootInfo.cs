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
}
