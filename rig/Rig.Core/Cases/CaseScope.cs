using Rig.Results;

namespace Rig.Cases;

/// <summary>
/// One execution of one row (case × target, one repeat), as the runner sees it while rows run side by side: which
/// repeat it is, how many results its case published, and the partial result a case that threw left behind. The
/// session finds it through the async flow the case runs on (<see cref="RigSession.EnterCase"/>), so a case never
/// names it and neighbours never see each other's.
/// </summary>
public sealed class CaseScope(int repeat)
{
    private readonly Lock _gate = new();
    private int _published;
    private CaseResult? _incomplete;

    public int Repeat { get; } = repeat;

    public int Published => Volatile.Read(ref _published);

    internal void CountPublished() => Interlocked.Increment(ref _published);

    /// <summary>A case that ended without a verdict parks its partial result; the runner completes it with NUnit's exception.</summary>
    internal void HoldIncomplete(CaseResult result)
    {
        lock (_gate)
        {
            _incomplete = result;
        }
    }

    public CaseResult? TakeIncomplete()
    {
        lock (_gate)
        {
            var r = _incomplete;
            _incomplete = null;
            return r;
        }
    }
}
