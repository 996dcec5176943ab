namespace Rig.Bench.PioExit;

/// <summary>The same guest as a flat blob for pio_vmm and as a PVH ELF for rig-hv.</summary>
internal sealed record GuestFiles(string Flat, string Elf);

/// <summary>A VMM in the race: how to run it on a guest, and what its exit says when the run did not go as planned.</summary>
internal sealed record Contender(string Name, Func<GuestFiles, string[]> Command, Func<TimedProcess, string?> Failure);

/// <summary>One VMM's cost per exit in one repeat, in nanoseconds of wall time and of CPU time.</summary>
internal readonly record struct Sample(double WallNs, double CpuNs);
