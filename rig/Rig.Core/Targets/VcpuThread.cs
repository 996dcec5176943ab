namespace Rig.Targets;

/// <summary>One vCPU of a VM and the host thread running it, as QMP query-cpus-fast reports them (cpu-index, thread-id).</summary>
public sealed record VcpuThread(int Index, int ThreadId);
