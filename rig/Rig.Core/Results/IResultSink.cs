namespace Rig.Results;

/// <summary>
/// Where a run's results go as they happen. Each <see cref="Add"/> is durable when it returns,
/// so a killed run keeps everything recorded before it.
/// </summary>
public interface IResultSink
{
    void BeginRun(RunInfo run);

    void Add(string runId, CaseResult result);

    void EndRun(string runId, DateTimeOffset ended);
}
