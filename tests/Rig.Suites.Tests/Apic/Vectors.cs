using System.Numerics;

namespace Rig.Suites.Tests.Apic;

/// <summary>Builds a 256-bit vector register as the probe prints it, for synthetic traces.</summary>
internal static class Vectors
{
    public static string Bits(params int[] vectors)
    {
        var bits = vectors.Aggregate(BigInteger.Zero, (acc, v) => acc | BigInteger.One << v);
        return "0x" + bits.ToString("x64")[^64..];
    }
}
