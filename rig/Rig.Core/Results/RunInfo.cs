namespace Rig.Results;

/// <summary>The machine a run happened on; hypervisor findings mean little without it.</summary>
public sealed record HostFacts(
    string Hostname,
    string CpuModel,
    string Kernel,
    string KvmModule,
    IReadOnlyDictionary<string, string> KvmParameters);

/// <summary>A target as the run found it. An unavailable target carries its reason and is never counted as passed.</summary>
public sealed record TargetInfo(string Name, bool Available, string? Reason, string Version);

/// <summary>
/// One invocation of the rig against one release. <see cref="Defect"/> is set when the run is part of
/// <c>rig mutate</c> (the reference hypervisor started with that seeded defect).
/// </summary>
public sealed record RunInfo(
    string RunId,
    string Release,
    DateTimeOffset Started,
    HostFacts Host,
    IReadOnlyList<TargetInfo> Targets,
    string? Defect = null);
