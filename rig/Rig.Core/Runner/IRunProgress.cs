using Rig.Results;

namespace Rig.Runner;

/// <summary>What the runner tells whoever displays a run (the CLI's live table, or nothing).</summary>
public interface IRunProgress
{
    void CaseStarted(string id, string suite, string caseName, string target);

    void CaseFinished(string id, Verdict verdict, TimeSpan elapsed, string summary);
}
