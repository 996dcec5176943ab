using Iced.Intel;

namespace Rig.Probes.StubGen;

/// <summary>Assembles with Iced at a fixed address and keeps label addresses, which the other chunks and the linker script need.</summary>
public sealed class Assembled
{
    private readonly AssemblerResult result;

    public Assembled(Assembler assembler, ulong address)
    {
        var stream = new MemoryStream();
        result = assembler.Assemble(new StreamCodeWriter(stream), address, BlockEncoderOptions.ReturnNewInstructionOffsets);
        Bytes = stream.ToArray();
        Address = address;
    }

    public byte[] Bytes { get; }

    public ulong Address { get; }

    public ulong this[Label label] => result.GetLabelRIP(label);
}
