using Iced.Intel;

namespace Rig.Probes.StubGen;

/// <summary>
/// The 64-bit chunk: CPL0 part (<see cref="KernelCode"/>) and CPL3 helpers (<see cref="UserCode"/>) share one
/// assembler so they can refer to each other's labels.
/// </summary>
public sealed class Code64
{
    /// <param name="gateReturnAddress">Where <see cref="GateReturn"/> will land: the #BP entry compares against it as an immediate, so the chunk is assembled twice (<see cref="StubImage.Build"/>).</param>
    public Code64(ulong gateReturnAddress)
    {
        GateReturnAddress = gateReturnAddress;
        Asm = new Assembler(64);
        Trampoline = Asm.CreateLabel();
        HaltUser = Asm.CreateLabel();
        GateReturn = Asm.CreateLabel();
        CallGateTarget = Asm.CreateLabel();
    }

    public Assembler Asm { get; }

    public ulong GateReturnAddress { get; }

    public Label Trampoline;
    public Label HaltUser;
    /// <summary>The instruction after the gate's INT3: the RIP in the #BP frame that marks a gate call.</summary>
    public Label GateReturn;
    /// <summary>Where the GDT's call gates lead (SystemTables.WriteGdt; suites/cpu's far CALL checks).</summary>
    public Label CallGateTarget;

    public List<Label> VectorEntries { get; } = [];

    /// <summary>Exported CPL3 helpers: symbol name → label, written into the linker script.</summary>
    public Dictionary<string, Label> Exports { get; } = [];

    /// <summary>(faulting instruction, resume point) of the CPL3 "try" helpers, for the C# dispatcher.</summary>
    public List<(Label Fault, Label Resume)> UserFixups { get; } = [];

    public static ulong Absolute(ulong blobOffset) => Layout.Address(blobOffset);

    public static ulong BootInfoField(int field) => Layout.Address(Layout.BootInfoOffset) + (ulong)field;
}
