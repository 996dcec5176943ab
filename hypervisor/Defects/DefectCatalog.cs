namespace Rig.Hypervisor.Defects;

/// <summary>Every seeded defect by name. A suite that models a new bug adds its defect here.</summary>
public static class DefectCatalog
{
    public const string StaleLapicOnReset = "stale-lapic-on-reset";

    public static IReadOnlyList<Defect> All { get; } =
    [
        new(StaleLapicOnReset, "001", "apic",
            "System reset leaves the LAPIC's ISR and IRR (and so the highest requested vector, RVI) as they were, " +
            "instead of clearing them (SDM Vol. 3 12.4.7.1): a vector left in service blocks the new boot's timer."),
    ];

    public static Defect? Find(string name) => All.FirstOrDefault(d => d.Name == name);
}
