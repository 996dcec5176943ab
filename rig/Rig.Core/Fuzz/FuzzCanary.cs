using System.Buffers.Binary;
using Rig.Guest;

namespace Rig.Fuzz;

/// <summary>The host's comparison of the probe's canary (<see cref="FuzzLayout.CanaryGpa"/>) with what the probe filled it with.</summary>
public static class FuzzCanary
{
    /// <summary>
    /// Null when the canary is intact or not filled yet (its first quadword, which the probe writes last, is not the
    /// canary's); else a violation of the host's (vCPU -1) naming the first changed quadword, with the count in D.
    /// </summary>
    public static FuzzViolation? Compare(ReadOnlySpan<byte> canary, int boots)
    {
        if (canary.Length < 8 || BinaryPrimitives.ReadUInt64LittleEndian(canary) != FuzzLayout.CanaryWord(FuzzLayout.CanaryGpa))
        {
            return null;
        }

        FuzzViolation? first = null;
        ulong changed = 0;
        for (int at = 0; at + 8 <= canary.Length; at += 8)
        {
            ulong gpa = FuzzLayout.CanaryGpa + (ulong)at;
            ulong found = BinaryPrimitives.ReadUInt64LittleEndian(canary[at..]);
            if (found != FuzzLayout.CanaryWord(gpa))
            {
                changed++;
                first ??= new FuzzViolation(-1, (ulong)boots, 0, FuzzLayout.ViolationCanary, gpa, FuzzLayout.CanaryWord(gpa), found, 0);
            }
        }

        return first is null ? null : first with { D = changed };
    }
}
