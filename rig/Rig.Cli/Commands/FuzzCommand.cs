using System.CommandLine;
using System.Globalization;
using Rig.Config;
using Rig.Fuzz;
using Rig.Targets;
using Spectre.Console;

namespace Rig.Cli.Commands;

/// <summary>
/// <c>rig fuzz</c> (issue 21): the fuzzing probe against a target, epoch after epoch, for <c>--seconds</c>; prints the
/// inputs tried, the rate, the interfaces covered, the rig-hv handler sites reached, and every crash or hang with the
/// seed and the command that replays it, and what the oracles beyond survival judged and found (exit 1 on any finding).
/// <c>--trace</c> makes the probe print each input on COM1; the lines go to results/fuzz-SEED.log. The campaign's
/// figures are stored under the release, for <c>rig report</c>.
/// </summary>
public static class FuzzCommand
{
    public static Command Create()
    {
        var seconds = new Option<int>("--seconds") { Description = "How long to fuzz, in seconds", DefaultValueFactory = _ => 60 };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the first epoch; later epochs derive theirs from it (default: a new one)" };
        var target = new Option<string>("--target") { Description = "Target to fuzz (rig.json name)", DefaultValueFactory = _ => "reference" };
        var vcpus = new Option<int>("--vcpus") { Description = "vCPUs per VM, all fuzzing at once", DefaultValueFactory = _ => 2 };
        var epoch = new Option<int>("--epoch-seconds") { Description = "Length of one VM (epoch) in seconds", DefaultValueFactory = _ => 30 };
        var weights = new Option<string?>("--weights") { Description = "Fixed interface weights as the probe takes them (0x..., from a finding's replay command); default: steered by coverage" };
        var epochs = new Option<int?>("--epochs") { Description = "At most this many epochs" };
        var trace = new Option<bool>("--trace") { Description = "The probe prints every input on COM1 (slow); saved to results/fuzz-SEED.log" };
        var release = CommonOptions.Release("Release the campaign's figures are stored under (default: as rig run names it)");
        var store = CommonOptions.Store();
        var command = new Command("fuzz", "Fuzz a hypervisor's guest-facing interfaces from a probe; fail on any crash or hang")
        {
            seconds, seed, target, vcpus, epoch, weights, epochs, trace, release, store,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var settings = new FuzzSettings(
                TimeSpan.FromSeconds(Positive("--seconds", parse.GetValue(seconds))),
                parse.GetValue(seed) ?? (ulong)CommonOptions.SeedOrNew(null),
                parse.GetValue(vcpus) is >= 1 and <= 16 and var n ? n : throw new RigUsageException("--vcpus: 1..16"),
                TimeSpan.FromSeconds(Positive("--epoch-seconds", parse.GetValue(epoch))),
                ParseWeights(parse.GetValue(weights)),
                parse.GetValue(epochs) is { } max ? Positive("--epochs", max) : int.MaxValue,
                parse.GetValue(trace) ? "" : null);
            return Execute(RigEnvironment.Load(parse.GetValue(release), parse.GetValue(store)), parse.GetValue(target)!, settings);
        }));
        return command;
    }

    private static int Positive(string flag, int value) => value >= 1 ? value : throw new RigUsageException($"{flag}: must be at least 1 (got {value})");

    private static FuzzWeights? ParseWeights(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var packed)
            ? FuzzWeights.Unpack(packed)
            : throw new RigUsageException($"--weights: not a hexadecimal weight word: {text}");
    }

    private static int Execute(RigEnvironment environment, string targetName, FuzzSettings settings)
    {
        if (!environment.Options.Targets.TryGetValue(targetName, out var options))
        {
            throw new RigUsageException($"--target: no target {targetName} in rig.json; known: {string.Join(", ", environment.Options.Targets.Keys)}");
        }

        var target = TargetCatalog.Create(targetName, options, environment.RepoRoot);
        if (target.Probe() is { Available: false } unavailable)
        {
            throw new RigUsageException($"--target {targetName}: unavailable: {unavailable.Reason}");
        }

        var image = Path.Combine(Config.RepoRoot.Resolve(environment.RepoRoot, environment.Options.Probes), "Fuzz.elf");
        if (!File.Exists(image))
        {
            throw new RigUsageException($"{image} not found: build guest-probes/Rig.Probes.csproj");
        }

        if (settings.TraceLog is not null)
        {
            Directory.CreateDirectory(environment.ResultsDirectory);
            settings = settings with { TraceLog = Path.Combine(environment.ResultsDirectory, $"fuzz-{settings.Seed}.log") };
            AnsiConsole.MarkupLine(Markup.Escape($"every input traced to {settings.TraceLog}"));
        }

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"rig fuzz: target {targetName}, seed {settings.Seed}, {settings.Vcpus} vCPUs, {settings.Duration.TotalSeconds:0} s in epochs of {settings.EpochLength.TotalSeconds:0} s")));
        // Opened first: a store that cannot take the figures should say so before the campaign, not after it.
        using var results = environment.OpenStore();
        var started = DateTimeOffset.UtcNow;
        var campaign = new FuzzCampaign(target, image, settings, line => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
        var report = campaign.RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        Print(report);
        results.AddFuzzRun(environment.Release, FuzzRunSummary.Of(report, started));
        AnsiConsole.MarkupLine(Markup.Escape($"stored under release {environment.Release} in {results.Location.Display}; rig report shows it"));
        return report.Clean ? ExitCodes.Ok : ExitCodes.CasesFailedOrRegressed;
    }

    private static void Print(FuzzReport report)
    {
        var table = new Table().AddColumns("interface", "inputs", "rig-hv sites");
        for (int i = 0; i < FuzzInterfaces.Names.Count; i++)
        {
            table.AddRow(FuzzInterfaces.Names[i], report.InputsOf(i).ToString(CultureInfo.InvariantCulture), report.SitesOf(i).ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"inputs {report.Inputs} in {report.Wall.TotalSeconds:0} s ({report.InputsPerSecond:0} per second), {report.Epochs.Count} epochs, " +
            $"{report.Sites.Count} rig-hv handler sites, interfaces covered {report.Covered.Count}/{FuzzInterfaces.Names.Count} ({string.Join(", ", report.Covered)})")));
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"crashes {report.Count(FuzzOutcome.Crash)}, hangs {report.Count(FuzzOutcome.Hang)}; guest errors {report.Count(FuzzOutcome.GuestError)}, " +
            $"guest shutdowns {report.Count(FuzzOutcome.GuestShutdown)}, boots {report.Epochs.Sum(e => e.Boots)}, host resets {report.Epochs.Sum(e => e.HostResets)}, " +
            $"host NMIs {report.Epochs.Sum(e => e.HostNmis)}, stray events {report.Epochs.Aggregate(0UL, (s, e) => s + e.Strays)}")));
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"oracles: {report.OracleChecks} answers judged, {report.CanaryChecks} canary quadwords compared, memory-safety violations {report.MemorySafetyViolations} " +
            $"({string.Join(", ", FuzzViolation.Kinds.Select((name, k) => $"{name} {report.ViolationsOf(k + 1)}"))}); " +
            $"host event-channel commands {report.HostEventCommands} ({report.HostEventsAccepted} carried out)")));
        foreach (var finding in report.Findings)
        {
            AnsiConsole.MarkupLine($"[red]{finding.Outcome} in epoch {finding.Epoch}, seed {finding.Seed}, weights {finding.Weights.Text}: {Markup.Escape(finding.Evidence)}[/]");
            foreach (var input in finding.LastInputs)
            {
                AnsiConsole.MarkupLine($"  last input seen: {Markup.Escape(input)}");
            }

            AnsiConsole.MarkupLine($"  replay: {Markup.Escape(finding.ReplayCommand)}");
        }

        AnsiConsole.MarkupLine(report.Clean ? "[green]no crash, no hang, no violation[/]" : "[red]the hypervisor crashed, hung or answered wrongly[/]");
    }
}
