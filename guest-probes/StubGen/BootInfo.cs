using System.Runtime.InteropServices;

namespace Rig.Probes.StubGen;

/// <summary>
/// Where the stub writes each field of the record it hands to C# (RDI at the C# entry). The one definition is the
/// runtime's struct (guest-probes/Runtime/BootInfo.cs, compiled into this tool too); the offsets here are read off it,
/// so a field added, removed or moved there moves here with it.
/// </summary>
public static class BootInfo
{
    public static readonly int StartInfoPaddr = Offset(nameof(Guest.BootInfo.StartInfoPaddr));
    public static readonly int Ap16Template = Offset(nameof(Guest.BootInfo.Ap16Template));
    public static readonly int Ap16Length = Offset(nameof(Guest.BootInfo.Ap16Length));
    public static readonly int ApStartPage = Offset(nameof(Guest.BootInfo.ApStartPage));
    public static readonly int FixupTable = Offset(nameof(Guest.BootInfo.FixupTable));
    public static readonly int FixupCount = Offset(nameof(Guest.BootInfo.FixupCount));
    public static readonly int UserStacksBase = Offset(nameof(Guest.BootInfo.UserStacksBase));
    public static readonly int UserStackShift = Offset(nameof(Guest.BootInfo.UserStackShift));
    public static readonly int MaxCpus = Offset(nameof(Guest.BootInfo.MaxCpus));
    public static readonly int HeapBase = Offset(nameof(Guest.BootInfo.HeapBase));
    public static readonly int HeapEnd = Offset(nameof(Guest.BootInfo.HeapEnd));
    public static readonly int SampleBase = Offset(nameof(Guest.BootInfo.SampleBase));
    public static readonly int CpusStarted = Offset(nameof(Guest.BootInfo.CpusStarted));
    public static readonly int NmiAtCpl0 = Offset(nameof(Guest.BootInfo.NmiAtCpl0));
    public static readonly int ProbeName = Offset(nameof(Guest.BootInfo.ProbeName));
    public static readonly int KernelStacksBase = Offset(nameof(Guest.BootInfo.KernelStacksBase));
    public static readonly int KernelStacksStride = Offset(nameof(Guest.BootInfo.KernelStacksStride));
    public static readonly int LevelGuardVector = Offset(nameof(Guest.BootInfo.LevelGuardVector));
    public static readonly int LevelGuardIoApic = Offset(nameof(Guest.BootInfo.LevelGuardIoApic));
    public static readonly int LevelGuardSelect = Offset(nameof(Guest.BootInfo.LevelGuardSelect));
    public static readonly int LevelGuardMaskedEntry = Offset(nameof(Guest.BootInfo.LevelGuardMaskedEntry));
    public static readonly int LevelGuardTrips = Offset(nameof(Guest.BootInfo.LevelGuardTrips));

    private static int Offset(string field) => (int)Marshal.OffsetOf<Guest.BootInfo>(field);
}
