namespace Rig.Probes.StubGen;

/// <summary>
/// Operations of the CPL0 gate (INT3 from rig_gate; RAX = op, RDI/RSI/RDX = arguments). Must match
/// guest-probes/Runtime/GateOp.cs. The gate exists because under kvm_pvm CPL3 code cannot rely on IOPL
/// and cannot execute RDMSR/WRMSR, while CPL0 code is emulated: so the privileged part is one instruction.
/// </summary>
public enum GateOp
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
