using System.Globalization;

namespace Rig.Fuzz;

/// <summary>One vCPU's progress: inputs done, the input it is on (interface and its three random words), stray events, inputs per interface.</summary>
public sealed record FuzzCpuStatus(int Cpu, ulong Inputs, int Interface, ulong A, ulong B, ulong C, ulong Strays, IReadOnlyList<ulong> PerInterface)
{
    public string CurrentInput =>
        $"cpu {Cpu} input #{Inputs}: {(Interface < FuzzInterfaces.Names.Count ? FuzzInterfaces.Names[Interface] : Interface.ToString(CultureInfo.InvariantCulture))} a=0x{A:x} b=0x{B:x} c=0x{C:x}";
}
