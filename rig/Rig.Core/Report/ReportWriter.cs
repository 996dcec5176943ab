using Rig.Compare;
using Rig.Junit;
using Rig.Plots;
using Rig.Store;

namespace Rig.Report;

/// <summary>
/// Writes <c>results/&lt;release&gt;/index.html</c>: a static, self-contained page (inline CSS, no script,
/// images beside it in <c>plots/</c>) with the release's verdicts, evidence, metrics, plots, kill matrix, fuzz
/// campaigns, the host-fault tests' outcomes the last <c>./run.sh test</c> kept (<see cref="HostFaultFigures"/>) and its
/// comparison with the baseline, and beside it <c>interfaces.md</c> (<see cref="InterfacesSection"/>).
/// </summary>
public static class ReportWriter
{
    /// <param name="store">Where the runs are.</param>
    /// <param name="release">The release to report.</param>
    /// <param name="resultsDirectory">Usually <c>results</c>; the page goes to a folder named after the release in it.</param>
    /// <param name="thresholds">For the comparison's drift verdicts.</param>
    /// <param name="baseline">The release to compare with; null means the one before it, if any.</param>
    /// <returns>The page's path, and what could not be drawn (the page says so too).</returns>
    public static (string IndexPath, IReadOnlyList<string> Warnings) Write(ResultStore store, string release,
        string resultsDirectory, ComparisonThresholds thresholds, string? baseline = null)
    {
        var releases = store.Releases();
        var position = releases.ToList().IndexOf(release);
        if (position < 0)
        {
            throw new StoreException($"no release '{release}' in {store.Location.Display}; it has: {string.Join(", ", releases)}");
        }

        if (baseline is not null && !releases.Contains(baseline))
        {
            throw new StoreException($"no baseline release '{baseline}' in {store.Location.Display}; it has: {string.Join(", ", releases)}");
        }

        var history = releases.Take(position + 1).Select(store.LoadRelease).ToList();
        var view = history[^1];
        var baselineName = baseline ?? (position > 0 ? releases[position - 1] : null);
        var comparison = baselineName is null ? null
            : ReleaseComparer.Compare(history.FirstOrDefault(h => h.Release == baselineName) ?? store.LoadRelease(baselineName), view, thresholds);

        var mutateRuns = store.MutateRuns(release);
        var killMatrix = mutateRuns.Count == 0 ? null
            : KillMatrix.From(view, mutateRuns.Select(r => (r, store.Results(r.RunId))));

        var directory = Path.Combine(resultsDirectory, SafeFileName.Of(release));
        var warnings = new List<string>();
        IReadOnlyList<Plot> plots = [];
        try
        {
            // The folder is the report's own: images of an earlier drawing (a case since renamed) must not linger.
            var plotDirectory = Path.Combine(directory, "plots");
            if (Directory.Exists(plotDirectory))
            {
                Directory.Delete(plotDirectory, recursive: true);
            }

            plots = ReleasePlots.Draw(view, history, plotDirectory);
        }
        catch (PlotException e)
        {
            warnings.Add($"plots were not drawn: {e.Message}");
        }

        HostFaultFigures? hostFaults = null;
        try
        {
            hostFaults = HostFaultFigures.Read(HostFaultFigures.KeptAt(resultsDirectory));
        }
        catch (InvalidDataException e)
        {
            warnings.Add($"host-fault figures were not read: {e.Message}");
        }

        var page = HtmlReport.Render(
            new ReportData(view, comparison, killMatrix, store.FuzzRuns(release), hostFaults, plots, warnings, DateTimeOffset.UtcNow), directory);
        var index = Path.Combine(directory, "index.html");
        Directory.CreateDirectory(directory);
        File.WriteAllText(index + ".tmp", page);
        File.Move(index + ".tmp", index, overwrite: true);
        File.WriteAllText(Path.Combine(directory, "interfaces.md"), InterfacesSection.Markdown(InterfacesSection.Rows(view.Results)));
        return (index, warnings);
    }
}
