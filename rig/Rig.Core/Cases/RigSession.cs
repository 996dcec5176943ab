using Rig.Config;
using Rig.Results;
using Rig.Runner;
using Rig.Store;
using Rig.Targets;

namespace Rig.Cases;

/// <summary>
/// What the cases of one run share: configuration, targets (availability checked once per run), the
/// result sink, and which repeat / seeded defect this is. The rig's runner installs one before it loads the
/// suites; under plain <c>dotnet test</c> a default one is built from rig.json with no sink, so cases just assert.
/// </summary>
public sealed class RigSession
{
    private static readonly Lock Gate = new();
    private static RigSession? current;
    private readonly AsyncLocal<CaseScope?> _scope = new();

    public RigSession(string repoRoot, RigOptions options, IResultSink? sink, string runId)
    {
        RepoRoot = repoRoot;
        Options = options;
        Sink = sink;
        RunId = runId;
        Targets = TargetCatalog.Create(options, repoRoot);
    }

    /// <summary>The session cases run in; built from rig.json on first use unless the runner set one.</summary>
    public static RigSession Current
    {
        get
        {
            lock (Gate)
            {
                if (current is null)
                {
                    var root = Config.RepoRoot.Find();
                    current = new RigSession(root, RigConfiguration.Load(root), sink: null, runId: "dotnet-test");
                }

                return current;
            }
        }

        set
        {
            lock (Gate)
            {
                current = value;
            }
        }
    }

    public string RepoRoot { get; }

    public RigOptions Options { get; }

    public IReadOnlyList<ITarget> Targets { get; }

    public IResultSink? Sink { get; }

    public string RunId { get; }

    /// <summary>0-based repeat of <c>rig run --repeat N</c> of the row running on this async flow.</summary>
    public int Repeat => _scope.Value?.Repeat ?? 0;

    /// <summary>The run's seed (<c>rig run --seed</c>): each case draws its random choices from <see cref="RigCase.Random"/>, derived from it.</summary>
    public int Seed { get; init; }

    /// <summary>The reference hypervisor's seeded defect for this pass of <c>rig mutate</c>, or null.</summary>
    public string? Defect { get; set; }

    public TimeSpan Watchdog => TimeSpan.FromSeconds(Options.WatchdogSeconds);

    /// <summary>Every result as it is published; the runner's progress display and verdict counts listen here.</summary>
    public event Action<CaseResult>? ResultPublished;

    public ITarget Target(string name) =>
        Targets.FirstOrDefault(t => t.Name == name) ?? throw new RigConfigException($"targets:{name}: no such target is configured and enabled");

    public string ProbeImage(string probe) => Path.Combine(Config.RepoRoot.Resolve(RepoRoot, Options.Probes), probe + ".elf");

    /// <summary>
    /// The runner starts each row's execution on its own async flow: everything the case does below this call
    /// (publish, park a partial result) lands in the returned scope, whatever runs beside it.
    /// </summary>
    public CaseScope EnterCase(int repeat)
    {
        var scope = new CaseScope(repeat);
        _scope.Value = scope;
        return scope;
    }

    /// <summary>
    /// Records a result. Once the run is stopping (<see cref="RunStop"/>) a result is an error naming why: its VMM was
    /// killed under it. A store that cannot record it stops the run: every later result would be lost too.
    /// </summary>
    public void Publish(CaseResult result)
    {
        var stamped = result with { Repeat = Repeat };
        if (RunStop.Reason is { } stopping)
        {
            stamped = stamped with
            {
                Verdict = Verdict.Error,
                Summary = $"the run stopped ({stopping}) while this case ran: {result.Summary}",
                Evidence = $"ERROR: the run stopped ({stopping}); the rig killed the VMM, so the case was not judged\n{result.Evidence}",
            };
        }

        _scope.Value?.CountPublished();
        try
        {
            Sink?.Add(RunId, stamped);
        }
        catch (StoreException e)
        {
            RunStop.Request(e.Message);
            throw;
        }

        ResultPublished?.Invoke(stamped);
    }

    /// <summary>
    /// A case that ended without a verdict (an exception escaped) parks its partial result in its row's scope; the
    /// runner completes it with the exception NUnit recorded, which the case itself never sees. Under plain
    /// <c>dotnet test</c> there is no runner and NUnit reports the exception itself.
    /// </summary>
    public void HoldIncomplete(CaseResult result) => _scope.Value?.HoldIncomplete(result);
}
