namespace Rig.Churn;

/// <summary>
/// What the host churn achieved and what went wrong on the host side: the rates are the run's metrics, an incident
/// (a VM that did not exit after quit, a survivor that stopped answering, a boot that failed) is evidence for a verdict.
/// </summary>
public sealed record ChurnReport(
    TimeSpan Duration, long Migrations, long VmCycles, long Collisions, long VcpuThreads, IReadOnlyList<string> Incidents)
{
    public double MigrationsPerSecond => Migrations / Duration.TotalSeconds;

    /// <summary>VM create+destroy cycles per second.</summary>
    public double VmCyclesPerSecond => VmCycles / Duration.TotalSeconds;

    public override string ToString() =>
        $"{Migrations} vCPU migrations ({MigrationsPerSecond:0} /s; {VcpuThreads} survivor vCPU threads), {VmCycles} VM create+destroy " +
        $"({VmCyclesPerSecond:0.00} /s), {Collisions} forced migrate+destroy collisions in {Duration.TotalSeconds:0.#} s";
}
