using System.Globalization;

namespace Rig.Fuzz;

/// <summary>
/// One vCPU's progress: inputs done, the input it is on (interface and its three random words), stray events, inputs per
/// interface, the answers its oracles judged and canary quadwords it compared, its violations per kind and its first one.
/// </summary>
public sealed record FuzzCpuStatus(int Cpu, ulong Inputs, int Interface, ulong A, ulong B, ulong C, ulong Strays, IReadOnlyList<ulong> PerInterface)
{
    public ulong OracleChecks { get; init; }

    public ulong CanaryChecks { get; init; }

    /// <summary>Violations per kind, kind 1 first (<see cref="FuzzViolation.Kinds"/>).</summary>
    public IReadOnlyList<ulong> ViolationsPerKind { get; init; } = new ulong[FuzzViolation.Kinds.Count];

    public FuzzViolation? FirstViolation { get; init; }

    public string CurrentInput =>
        $"cpu {Cpu} input #{Inputs}: {(Interface < FuzzInterfaces.Names.Count ? FuzzInterfaces.Names[Interface] : Interface.ToString(CultureInfo.InvariantCulture))} a=0x{A:x} b=0x{B:x} c=0x{C:x}";
}
