namespace Rig.Hypervisor.Defects;

/// <summary>
/// A known bug the reference hypervisor can be started with, each the model of a real one (../shared/seeds/).
/// The rig's mutation run (rig mutate) checks that some case catches every defect.
/// </summary>
public sealed record Defect(string Name, string Seed, string Area, string Description);
