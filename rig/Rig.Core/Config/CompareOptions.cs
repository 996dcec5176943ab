using Rig.Compare;

namespace Rig.Config;

/// <summary>rig.json <c>compare</c>: what counts as drift when a release is compared with its baseline.</summary>
public sealed class CompareOptions
{
    public ComparisonThresholds Thresholds { get; set; } = new();
}
