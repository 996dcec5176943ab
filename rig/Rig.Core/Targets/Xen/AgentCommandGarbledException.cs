namespace Rig.Targets.Xen;

/// <summary>A command line the dom0 agent read damaged, so it ran nothing for it (<see cref="Dom0Agent"/>).</summary>
public sealed class AgentCommandGarbledException(string message) : IOException(message);
