using System.Buffers.Binary;
using Rig.Guest;

namespace Rig.Fuzz;

/// <summary>
/// The fuzzing probe's status block in guest RAM (<see cref="FuzzLayout"/>, shared with the probe), read by the host over
/// QMP: the header (seed, boot number, vCPUs, Xen present), then per vCPU the inputs tried, the current input (interface,
/// a, b, c), stray events, per-interface input counts, and what its oracles judged and found.
/// </summary>
public sealed record FuzzStatus(ulong Seed, ulong BootNumber, IReadOnlyList<FuzzCpuStatus> Cpus, bool XenPresent)
{
    public const ulong Gpa = FuzzLayout.StatusGpa;
    public const int Length = FuzzLayout.StatusLength;

    public ulong Inputs => Cpus.Aggregate(0UL, (sum, c) => sum + c.Inputs);

    /// <summary>Null until the probe has written its header (before boot, or while a reset reloads RAM).</summary>
    public static FuzzStatus? Parse(ReadOnlySpan<byte> block)
    {
        if (block.Length < Length || Word(block, FuzzLayout.HeaderMagic) != FuzzLayout.Magic)
        {
            return null;
        }

        int cpus = (int)Math.Min(Word(block, FuzzLayout.HeaderCpus), FuzzLayout.MaxCpus);
        var list = new List<FuzzCpuStatus>(cpus);
        for (int c = 0; c < cpus; c++)
        {
            int at = FuzzLayout.CpuBase + c * FuzzLayout.CpuStride;
            var perInterface = new ulong[FuzzLayout.Interfaces];
            for (int k = 0; k < perInterface.Length; k++)
            {
                perInterface[k] = Word(block, at + FuzzLayout.CpuPerInterface + k);
            }

            var violations = new ulong[FuzzLayout.ViolationKinds];
            for (int k = 0; k < violations.Length; k++)
            {
                violations[k] = Word(block, at + FuzzLayout.CpuViolationsPerKind + k);
            }

            int firstKind = (int)Math.Min(Word(block, at + FuzzLayout.CpuFirstViolationKind), 255);
            list.Add(new FuzzCpuStatus(c, Word(block, at + FuzzLayout.CpuInputs), (int)Math.Min(Word(block, at + FuzzLayout.CpuInterface), 255),
                Word(block, at + FuzzLayout.CpuA), Word(block, at + FuzzLayout.CpuB), Word(block, at + FuzzLayout.CpuC), Word(block, at + FuzzLayout.CpuStrays), perInterface)
            {
                OracleChecks = Word(block, at + FuzzLayout.CpuOracleChecks),
                CanaryChecks = Word(block, at + FuzzLayout.CpuCanaryChecks),
                ViolationsPerKind = violations,
                FirstViolation = firstKind == 0 ? null : new FuzzViolation(c, Word(block, FuzzLayout.HeaderBoot), Word(block, at + FuzzLayout.CpuFirstViolationInput), firstKind,
                    Word(block, at + FuzzLayout.CpuFirstViolationA), Word(block, at + FuzzLayout.CpuFirstViolationA + 1),
                    Word(block, at + FuzzLayout.CpuFirstViolationA + 2), Word(block, at + FuzzLayout.CpuFirstViolationA + 3)),
            });
        }

        return new FuzzStatus(Word(block, FuzzLayout.HeaderSeed), Word(block, FuzzLayout.HeaderBoot), list, Word(block, FuzzLayout.HeaderXen) != 0);
    }

    private static ulong Word(ReadOnlySpan<byte> block, int index) => BinaryPrimitives.ReadUInt64LittleEndian(block[(index * 8)..]);
}
