namespace Rig.Cli;

/// <summary>The run stopped before its end (a signal, a store that failed): exit 2, saying why and what was kept.</summary>
public sealed class RunStoppedException(string runId, string reason, string kept)
    : Exception($"run {runId} stopped before its end: {reason}; {kept}; the run stays unfinished in the store");
