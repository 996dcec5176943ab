namespace Rig.Hypervisor.Vm;

/// <summary>
/// One vCPU's TSC offset as the VMM can know it: KVM read the guest TSC somewhere inside a bracket of two host TSC
/// reads, so the true offset lies in [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Bracket"/>].
/// <see cref="Offset"/> is taken against the bracket's end, so the VMM's view of the guest TSC is never ahead of it.
/// </summary>
public readonly record struct TscOffsetMeasurement(long Offset, ulong Bracket)
{
    /// <summary>Whether <paramref name="offset"/> may be the true one by this measurement.</summary>
    public bool Holds(long offset) => offset >= Offset && offset <= Offset + (long)Bracket;

    /// <summary>
    /// The one offset every vCPU can share, when the measurements cannot tell the vCPUs' offsets apart (their ranges
    /// overlap), as KVM matches vCPUs whose TSCs were written together (kvm_synchronize_tsc) and only then runs a master
    /// clock. It is the lowest measured value, so no vCPU's TSC is seen ahead of what that vCPU reads. Null when some
    /// vCPUs' offsets really differ: each keeps its own and nothing may promise cross-vCPU order.
    /// </summary>
    public static long? Common(IReadOnlyList<TscOffsetMeasurement> measurements)
    {
        ArgumentOutOfRangeException.ThrowIfZero(measurements.Count);
        long highestLow = measurements.Max(m => m.Offset);
        long lowestHigh = measurements.Min(m => m.Offset + (long)m.Bracket);
        return highestLow <= lowestHigh ? measurements.Min(m => m.Offset) : null;
    }
}
