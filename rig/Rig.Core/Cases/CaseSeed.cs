namespace Rig.Cases;

/// <summary>
/// The seed of one row's random choices: the run's seed (<c>rig run --seed</c>, stored with the run) mixed with the
/// row's id and repeat by FNV-1a, so a rerun of one case with the run's seed replays that case's choices whatever
/// other rows ran, and each repeat still draws its own.
/// </summary>
public static class CaseSeed
{
    public static int For(int runSeed, string suite, string @case, string target, int repeat)
    {
        var hash = 2166136261u ^ (uint)runSeed;
        foreach (var c in $"{suite}.{@case}@{target}#{repeat}")
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & int.MaxValue);
    }
}
