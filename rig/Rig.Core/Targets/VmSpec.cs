namespace Rig.Targets;

/// <summary>What to boot: a probe image with its command line (docs/protocol.md "Boot").</summary>
/// <param name="Watchdog">Wall-clock bound after which the VM is killed whatever it is doing.</param>
/// <param name="Defect">A seeded defect of the reference hypervisor (rig mutate); other targets refuse one.</param>
public sealed record VmSpec(string ImagePath, string Append, TimeSpan Watchdog, int Vcpus = 1, string? Defect = null);
