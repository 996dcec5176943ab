namespace Rig.Compare;

/// <summary>What the comparison concluded about one metric of one case on one target.</summary>
public enum DriftKind
{
    /// <summary>Significant and beyond the threshold, in the worse direction: a drift regression.</summary>
    Regression,

    /// <summary>Significant and beyond the threshold, in the better direction.</summary>
    Improvement,

    /// <summary>Significant and beyond the threshold for a metric whose better direction is unknown: shown, not judged.</summary>
    Changed,

    /// <summary>Significant, but the shift is within the threshold: real but small.</summary>
    WithinThreshold,

    /// <summary>Beyond the threshold or not, the test cannot tell it from noise.</summary>
    NotSignificant,

    /// <summary>Fewer samples than the configured minimum on one side.</summary>
    TooFewSamples,
}
