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
/// What makes a run reproducible beside the release: the profile its cases picked their counts from, how many times
/// each row ran, and the seed every random choice of its cases (pause and revert schedules) derived from
/// (<see cref="Cases.CaseSeed"/>). <c>rig run --profile P --repeat N --seed S</c> makes the same choices again.
/// </summary>
public sealed record RunSettings(string Profile, int Repeats, int Seed);

/// <summary>
/// One invocation of the rig against one release. <see cref="Defect"/> is set when the run is part of
/// <c>rig mutate</c> (the reference hypervisor started with that seeded defect). <see cref="Settings"/> is null for
/// a run stored before the store kept them.
/// </summary>
public sealed record RunInfo(
    string RunId,
    string Release,
    DateTimeOffset Started,
    HostFacts Host,
    IReadOnlyList<TargetInfo> Targets,
    string? Defect = null,
    RunSettings? Settings = null);
