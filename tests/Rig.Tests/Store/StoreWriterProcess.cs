using Rig.Results;
using Rig.Store;

namespace Rig.Tests.Store;

/// <summary>
/// Store code in a child process a test can kill mid-run (<see cref="ChildVerbs"/>):
/// <c>dotnet Rig.Tests.dll store-writer DB</c> starts a run and records results forever, printing
/// <c>added N</c> after the N-th Add returns.
/// </summary>
public static class StoreWriterProcess
{
    public const string Verb = "store-writer";

    public static int Run(string[] args)
    {
        if (args is not [Verb, var location])
        {
            Console.Error.WriteLine($"usage: Rig.Tests {Verb} <store location>");
            return 2;
        }

        using var store = ResultStore.Open(location);
        var run = SampleRuns.Run("killed", "killed-run");
        store.BeginRun(run);
        for (var n = 1; ; n++)
        {
            store.Add(run.RunId, Numbered(n));
            Console.Out.WriteLine($"added {n}");
            Console.Out.Flush();
        }
    }

    /// <summary>The n-th result the writer records; big enough that a kill often lands inside its transaction.</summary>
    public static CaseResult Numbered(int n) =>
        SampleRuns.Result($"case-{n}", "reference", Verdict.Ok,
            SampleRuns.Latencies("latency", [.. Enumerable.Range(0, 200).Select(i => (double)(n * 1000 + i))]),
            [.. Enumerable.Range(0, 200).Select(i => new SeriesPoint("vcpu0.tsc", i, n))]);
}
