using Rig.Results;

namespace Rig.Runner;

/// <summary>What the runner tells whoever displays a run (the CLI's live table, or nothing); rows may run side by side.</summary>
public interface IRunProgress
{
    /// <summary>Before the first row: how many row executions (rows × repeats) and how many at a time.</summary>
    void RunPlanned(int executions, int jobs);

    void CaseStarted(string id, string suite, string caseName, string target);

    void CaseFinished(string id, Verdict verdict, TimeSpan elapsed, string summary);
}
