using System.Globalization;
using Rig.Guest;

namespace Rig.Fuzz;

/// <summary>
/// The interface weights of one fuzzing epoch, packed for the probe's command line (6 bits each, interface 0 lowest)
/// and steered by coverage: an interface whose inputs reached rig-hv handler sites no earlier epoch reached gets twice
/// its weight next epoch (at most 63), one that found nothing decays a quarter towards its default, so effort goes where
/// new handlers are still being found and no interface starves.
/// </summary>
public sealed record FuzzWeights(IReadOnlyList<int> Values)
{
    public const int Max = 63;

    /// <summary>The probe's own default (<see cref="FuzzLayout.DefaultWeights"/>).</summary>
    public static FuzzWeights Default { get; } = Unpack(FuzzLayout.DefaultWeights);

    public ulong Packed
    {
        get
        {
            ulong packed = 0;
            for (int i = 0; i < FuzzInterfaces.Weighted; i++)
            {
                packed |= (ulong)Math.Clamp(Values[i], 0, Max) << (FuzzLayout.WeightBits * i);
            }

            return packed;
        }
    }

    public static FuzzWeights Unpack(ulong packed) =>
        new([.. Enumerable.Range(0, FuzzInterfaces.Names.Count).Select(i => i < FuzzInterfaces.Weighted ? (int)(packed >> (FuzzLayout.WeightBits * i) & Max) : 0)]);

    /// <summary>"0x..." as the probe's command line takes it.</summary>
    public string Text => "0x" + Packed.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The next epoch's weights from how many new sites each interface found in this one.</summary>
    public FuzzWeights Steer(IReadOnlyList<int> newSites)
    {
        var next = new int[Values.Count];
        for (int i = 0; i < FuzzInterfaces.Weighted; i++)
        {
            int start = Default.Values[i];
            next[i] = newSites[i] > 0
                ? Math.Min(Max, Math.Max(1, Values[i] * 2))
                : Values[i] - (Values[i] - start) / 4;
        }

        return new FuzzWeights(next);
    }

    public override string ToString() =>
        string.Join(' ', FuzzInterfaces.Names.Take(FuzzInterfaces.Weighted).Select((n, i) => $"{n}={Values[i]}"));
}
