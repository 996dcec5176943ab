using System.Buffers.Binary;

namespace Rig.Fuzz;

/// <summary>
/// The fuzzing probe's status block in guest RAM (guest-probes/probes/Fuzz.cs, <see cref="Gpa"/>, 4 KiB), read by the
/// host over QMP: header quadwords (magic, seed, boot number, vCPUs, weights, Xen present), then per vCPU 256 bytes:
/// inputs done, the current input (interface, a, b, c), stray events, and per-interface input counts from quadword 8.
/// </summary>
public sealed record FuzzStatus(ulong Seed, ulong BootNumber, IReadOnlyList<FuzzCpuStatus> Cpus, bool XenPresent)
{
    public const ulong Gpa = 0x800000;
    public const int Length = 4096;
    private const ulong Magic = 0x315A5A5546474952; // "RIGFUZZ1"
    private const int CpuStride = 256;
    private const int CpuBase = 32 * 8;
    private const int MaxCpus = 16;

    public ulong Inputs => Cpus.Aggregate(0UL, (sum, c) => sum + c.Inputs);

    /// <summary>Null until the probe has written its header (before boot, or while a reset reloads RAM).</summary>
    public static FuzzStatus? Parse(ReadOnlySpan<byte> block)
    {
        if (block.Length < Length || Word(block, 0) != Magic)
        {
            return null;
        }

        int cpus = (int)Math.Min(Word(block, 3), MaxCpus);
        var list = new List<FuzzCpuStatus>(cpus);
        for (int c = 0; c < cpus; c++)
        {
            int at = CpuBase + c * CpuStride;
            var perInterface = new ulong[FuzzInterfaces.Names.Count];
            for (int k = 0; k < perInterface.Length; k++)
            {
                perInterface[k] = Word(block, (at / 8) + 8 + k);
            }

            list.Add(new FuzzCpuStatus(c, Word(block, at / 8), (int)Math.Min(Word(block, (at / 8) + 1), 255),
                Word(block, (at / 8) + 2), Word(block, (at / 8) + 3), Word(block, (at / 8) + 4), Word(block, (at / 8) + 5), perInterface));
        }

        return new FuzzStatus(Word(block, 1), Word(block, 2), list, Word(block, 5) != 0);
    }

    private static ulong Word(ReadOnlySpan<byte> block, int index) => BinaryPrimitives.ReadUInt64LittleEndian(block[(index * 8)..]);
}
