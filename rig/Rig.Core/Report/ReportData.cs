using Rig.Compare;
using Rig.Fuzz;
using Rig.Plots;
using Rig.Store;

namespace Rig.Report;

/// <summary>Everything one release's page shows, gathered before any HTML is written.</summary>
public sealed record ReportData(
    ReleaseView View,
    Comparison? Comparison,
    KillMatrix? KillMatrix,
    IReadOnlyList<FuzzRunSummary> FuzzRuns,
    HostFaultFigures? HostFaults,
    IReadOnlyList<Plot> Plots,
    IReadOnlyList<string> Warnings,
    DateTimeOffset Generated);
