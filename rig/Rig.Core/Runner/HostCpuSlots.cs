namespace Rig.Runner;

/// <summary>
/// The host CPUs a run's concurrent rows get: with J jobs over C allowed CPUs, slot k owns CPUs [k·C/J, (k+1)·C/J),
/// so no two rows' VMs compete for a CPU. With fewer CPUs than jobs a slot has no set of its own and its VMs float.
/// </summary>
public sealed class HostCpuSlots
{
    private readonly IReadOnlyList<int>?[] _slots;

    public HostCpuSlots(IReadOnlyList<int> allowedCpus, int jobs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        _slots = new IReadOnlyList<int>?[jobs];
        if (jobs == 1 || allowedCpus.Count < jobs)
        {
            return;
        }

        for (var k = 0; k < jobs; k++)
        {
            var from = k * allowedCpus.Count / jobs;
            var to = (k + 1) * allowedCpus.Count / jobs;
            _slots[k] = allowedCpus.Skip(from).Take(to - from).ToList();
        }
    }

    public int Count => _slots.Length;

    /// <summary>Slot <paramref name="k"/>'s CPUs, or null when its VMs are not pinned.</summary>
    public IReadOnlyList<int>? this[int k] => _slots[k];
}
