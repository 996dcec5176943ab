using System.Diagnostics;
using Rig.Results;
using Rig.Runner;
using Spectre.Console;

namespace Rig.Cli;

/// <summary>
/// The run as it happens: a live table (case, target, elapsed, verdict) under a line counting the rows running and
/// done, on a terminal; on CI, where nothing can be redrawn, one line per finished case, and with several jobs one per
/// started case too, so a log shows what ran beside what.
/// </summary>
public sealed class LiveProgress : IRunProgress
{
    private const int VisibleRows = 30;
    private readonly Lock _gate = new();
    private readonly List<Row> _rows = [];
    private readonly bool _interactive = AnsiConsole.Profile.Capabilities.Interactive;
    private LiveDisplayContext? _live;
    private Table _table = new();
    private int _executions;
    private int _jobs = 1;

    public void RunPlanned(int executions, int jobs)
    {
        lock (_gate)
        {
            _executions = executions;
            _jobs = jobs;
        }

        if (!_interactive)
        {
            AnsiConsole.MarkupLine($"{executions} row runs, {jobs} at a time");
        }
    }

    /// <summary>Runs <paramref name="work"/> while the table is shown.</summary>
    public T Show<T>(Func<T> work)
    {
        if (!_interactive)
        {
            return work();
        }

        return AnsiConsole.Live(_table).AutoClear(false).Start(context =>
        {
            _live = context;
            using var ticker = new Timer(_ => Redraw(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
            var result = work();
            Redraw();
            return result;
        });
    }

    public void CaseStarted(string id, string suite, string caseName, string target)
    {
        lock (_gate)
        {
            _rows.Add(new Row(id, $"{suite}.{caseName}", target, Stopwatch.StartNew()));
        }

        if (!_interactive && _jobs > 1)
        {
            AnsiConsole.MarkupLine($"{Badge(null)} {Markup.Escape($"{suite}.{caseName}")} on {Markup.Escape(target)}");
        }

        Redraw();
    }

    public void CaseFinished(string id, Verdict verdict, TimeSpan elapsed, string summary)
    {
        Row? row;
        lock (_gate)
        {
            row = _rows.LastOrDefault(r => r.Id == id);
            if (row is not null)
            {
                row.Verdict = verdict;
                row.Summary = summary;
                row.Clock.Stop();
            }
        }

        if (!_interactive && row is not null)
        {
            AnsiConsole.MarkupLine($"{Badge(verdict)} {Markup.Escape(row.Case)} on {Markup.Escape(row.Target)} ({elapsed.TotalSeconds:0.0} s) {Markup.Escape(summary)}");
        }

        Redraw();
    }

    public static string Badge(Verdict? verdict) => verdict switch
    {
        Verdict.Ok => "[green]ok[/]",
        Verdict.Fail => "[red]FAIL[/]",
        Verdict.Error => "[red]ERROR[/]",
        Verdict.Skip => "[yellow]skip[/]",
        _ => "[blue]running[/]",
    };

    private void Redraw()
    {
        if (_live is null)
        {
            return;
        }

        var table = new Table().AddColumns("case", "target", "elapsed", "verdict", "summary");
        lock (_gate)
        {
            var running = _rows.Count(r => r.Verdict is null);
            table.Title($"{running} running ({_jobs} at a time), {_rows.Count - running} of {_executions} done");
            foreach (var row in _rows.TakeLast(VisibleRows))
            {
                var summary = row.Summary.Length > 60 ? row.Summary[..60] + "..." : row.Summary;
                table.AddRow(Markup.Escape(row.Case), Markup.Escape(row.Target), $"{row.Clock.Elapsed.TotalSeconds:0.0} s", Badge(row.Verdict), Markup.Escape(summary));
            }
        }

        _table = table;
        _live.UpdateTarget(table);
    }

    private sealed class Row(string id, string @case, string target, Stopwatch clock)
    {
        public string Id { get; } = id;

        public string Case { get; } = @case;

        public string Target { get; } = target;

        public Stopwatch Clock { get; } = clock;

        public Verdict? Verdict { get; set; }

        public string Summary { get; set; } = "";
    }
}
