namespace Rig.Guest;

/// <summary>Operations of the CPL0 gate (entered with INT3 from rig_gate); must match guest-probes/StubGen/GateOp.cs.</summary>
internal enum GateOp : ulong
{
    Out8 = 0,
    Out16 = 1,
    Out32 = 2,
    In8 = 3,
    In16 = 4,
    In32 = 5,
    OutString8 = 6,
    ReadMsr = 7,
    WriteMsr = 8,
}
