using Rig.Results;

namespace Rig.Runner;

/// <summary>Verdict counts over everything a run published; a run is clean when nothing failed or errored.</summary>
public sealed class RunTally
{
    private readonly Dictionary<Verdict, int> _counts = [];
    private readonly List<CaseResult> _failures = [];

    public IReadOnlyList<CaseResult> Failures
    {
        get
        {
            lock (_counts)
            {
                return [.. _failures];
            }
        }
    }

    public int this[Verdict verdict]
    {
        get
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(verdict);
            }
        }
    }

    public bool Clean => this[Verdict.Fail] == 0 && this[Verdict.Error] == 0;

    public int Total => Enum.GetValues<Verdict>().Sum(v => this[v]);

    public void Add(CaseResult result)
    {
        lock (_counts)
        {
            _counts[result.Verdict] = _counts.GetValueOrDefault(result.Verdict) + 1;
            if (result.Verdict is Verdict.Fail or Verdict.Error)
            {
                _failures.Add(result);
            }
        }
    }

    public override string ToString() =>
        $"{this[Verdict.Ok]} ok, {this[Verdict.Fail]} failed, {this[Verdict.Error]} errors, {this[Verdict.Skip]} skipped";
}
