using System.Globalization;
using Rig.Fuzz;

namespace Rig.Store;

/// <summary>
/// <c>rig fuzz</c> campaigns per release (tables fuzz_runs, fuzz_interfaces, fuzz_epochs), written in one transaction
/// when a campaign ends, so the report shows them beside the release's cases. Seeds are 64-bit unsigned and kept as
/// BIGINT with the same bits.
/// </summary>
public sealed partial class ResultStore
{
    public void AddFuzzRun(string release, FuzzRunSummary run) => Write(tx =>
    {
        var started = Ticks(run.Started);
        AddRelease(tx, release, started);
        var id = Guid.NewGuid().ToString("N");
        Execute(tx,
            """
            INSERT INTO fuzz_runs (fuzz_id, release, started_ticks, wall_ticks, target, seed, vcpus, inputs, sites)
            VALUES (@id, @release, @t, @wall, @target, @seed, @vcpus, @inputs, @sites)
            """,
            ("id", id), ("release", release), ("t", started), ("wall", run.Wall.Ticks), ("target", run.Target),
            ("seed", unchecked((long)run.Seed)), ("vcpus", run.Vcpus), ("inputs", checked((long)run.Inputs)), ("sites", run.Sites));
        for (var i = 0; i < run.Interfaces.Count; i++)
        {
            var f = run.Interfaces[i];
            Execute(tx,
                "INSERT INTO fuzz_interfaces (fuzz_id, ordinal, name, inputs, sites, covered) VALUES (@id, @i, @name, @inputs, @sites, @covered)",
                ("id", id), ("i", i), ("name", f.Name), ("inputs", checked((long)f.Inputs)), ("sites", f.Sites), ("covered", f.Covered ? 1 : 0));
        }

        foreach (var e in run.Epochs)
        {
            Execute(tx,
                """
                INSERT INTO fuzz_epochs (fuzz_id, epoch, seed, outcome, inputs, wall_ticks, evidence, replay)
                VALUES (@id, @epoch, @seed, @outcome, @inputs, @wall, @evidence, @replay)
                """,
                ("id", id), ("epoch", e.Number), ("seed", unchecked((long)e.Seed)), ("outcome", e.Outcome.ToString()),
                ("inputs", checked((long)e.Inputs)), ("wall", e.Wall.Ticks), ("evidence", e.Evidence), ("replay", e.Replay));
        }
    });

    /// <summary>The fuzz campaigns of a release, oldest first.</summary>
    public IReadOnlyList<FuzzRunSummary> FuzzRuns(string release) => Read(tx =>
    {
        var runs = Query(tx,
            "SELECT fuzz_id, started_ticks, wall_ticks, target, seed, vcpus, inputs, sites FROM fuzz_runs WHERE release = @release ORDER BY started_ticks, fuzz_id",
            r => (Id: r.GetString(0), Started: r.GetInt64(1), Wall: r.GetInt64(2), Target: r.GetString(3), Seed: r.GetInt64(4),
                  Vcpus: (int)r.GetInt64(5), Inputs: r.GetInt64(6), Sites: (int)r.GetInt64(7)),
            ("release", release));
        return runs.Select(run => new FuzzRunSummary(run.Target, unchecked((ulong)run.Seed), run.Vcpus, FromTicks(run.Started),
            TimeSpan.FromTicks(run.Wall), (ulong)run.Inputs, run.Sites,
            Query(tx, "SELECT name, inputs, sites, covered FROM fuzz_interfaces WHERE fuzz_id = @id ORDER BY ordinal",
                r => new FuzzRunSummary.Interface(r.GetString(0), (ulong)r.GetInt64(1), (int)r.GetInt64(2), r.GetInt64(3) != 0), ("id", run.Id)),
            Query(tx, "SELECT epoch, seed, outcome, inputs, wall_ticks, evidence, replay FROM fuzz_epochs WHERE fuzz_id = @id ORDER BY epoch",
                r => new FuzzRunSummary.Epoch((int)r.GetInt64(0), unchecked((ulong)r.GetInt64(1)), Outcome(r.GetString(2)), (ulong)r.GetInt64(3),
                    TimeSpan.FromTicks(r.GetInt64(4)), r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6)), ("id", run.Id)))).ToList();
    });

    private static FuzzOutcome Outcome(string text) =>
        Enum.TryParse<FuzzOutcome>(text, out var outcome) && Enum.IsDefined(outcome)
            ? outcome
            : throw new StoreException(string.Create(CultureInfo.InvariantCulture, $"results store: a fuzz epoch has unknown outcome '{text}'"));
}
