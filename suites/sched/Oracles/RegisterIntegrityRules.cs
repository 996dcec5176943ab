using System.Globalization;
using Rig.Protocol;
using Rig.Suites.Sched.Records;

namespace Rig.Suites.Sched.Oracles;

/// <summary>
/// register-integrity over the probes' records: a vCPU's registers hold what it last wrote into them for as long as it
/// does not write them again (SDM Vol. 1 3.4.1, 10.2 and 14.1: general-purpose, XMM and YMM registers change only by
/// instructions that name them; Vol. 3A 4.10 / 13.12.2 and Vol. 4: a model-specific register keeps the value WRMSR gave it), whatever
/// the host does meanwhile: migration, pause, another VM's destruction. So every `RIG regdiff` is a failure; so is every
/// `RIG fault`, an exception the probe never raises itself (its RIP, RSP or another register changed under it); and
/// every vCPU of every VM must have said `RIG held` (a vCPU that never finished did not check).
/// </summary>
public static class RegisterIntegrityRules
{
    public const string Rule =
        "SDM Vol. 1 3.4.1/10.2/14.1, Vol. 4 (MSRs): a vCPU's GPRs, XMM and YMM registers, segment bases and MSRs change only by its own " +
        "instructions, so migration, pause and other VMs' destruction must leave every one as the vCPU set it";

    private static readonly string[] Gprs = ["rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    private static readonly Dictionary<long, string> MsrNames = new()
    {
        [0xC000_0100] = "IA32_FS_BASE",
        [0xC000_0101] = "IA32_GS_BASE",
        [0xC000_0102] = "IA32_KERNEL_GS_BASE",
        [0xC000_0103] = "IA32_TSC_AUX",
        [0x277] = "IA32_PAT",
    };

    /// <summary>
    /// The probe's register index: 0-14 the GPRs, 15-46 XMM0..15 low/high, 47-78 bits 191:128 and 255:192 of YMM0..15,
    /// <see cref="RegDiffRecord.MsrRegister"/> + n MSR n.
    /// </summary>
    public static string RegisterName(long index) => index switch
    {
        >= 0 and < 15 => Gprs[index],
        >= 15 and < 47 => $"xmm{(index - 15) / 2}.{((index - 15) % 2 == 0 ? "lo" : "hi")}",
        >= 47 and < 79 => $"ymm{(index - 47) / 2}[{((index - 47) % 2 == 0 ? "191:128" : "255:192")}]",
        >= RegDiffRecord.MsrRegister => MsrNames.TryGetValue(index - RegDiffRecord.MsrRegister, out var name) ? name : $"MSR 0x{index - RegDiffRecord.MsrRegister:x}",
        _ => $"register #{index}",
    };

    /// <summary>Whose value a seen one is, when it carries the probe's pattern (0xA5, VM, vCPU, register); null otherwise.</summary>
    public static string? Owner(ulong seen) =>
        seen >> 56 == 0xA5 && (seen & 0xFFFF) == 0x5A5A
            ? string.Create(CultureInfo.InvariantCulture, $"VM {(seen >> 32) & 0xFFFF} vCPU {(seen >> 24) & 0xFF}'s {RegisterName((long)((seen >> 16) & 0xFF))}")
            : null;

    /// <summary>A record that settles the verdict: a changed register or an exception.</summary>
    public static bool IsFailure(Record r) => r.Kind is RegDiffRecord.Kind or FaultRecord.Kind;

    /// <summary>One problem per changed register (naming register, expected, seen, VM and vCPU) and per vCPU that never reported holding.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<Record> records, IReadOnlyCollection<int> vms, int vcpusPerVm)
    {
        var list = records.ToList();
        var problems = new List<string>();
        foreach (var d in list.Where(r => r.Kind == RegDiffRecord.Kind))
        {
            ulong expected = (ulong)d.GetInt64(RegDiffRecord.Expected), seen = (ulong)d.GetInt64(RegDiffRecord.Seen);
            string whose = Owner(seen) is { } owner ? $" ({owner})" : "";
            problems.Add($"VM {d[RegDiffRecord.Vm]} vCPU {d[RegDiffRecord.Cpu]}: {RegisterName(d.GetInt64(RegDiffRecord.Register))} changed under the guest: expected 0x{expected:x16}, seen 0x{seen:x16}{whose}");
        }

        foreach (var f in list.Where(r => r.Kind == FaultRecord.Kind))
        {
            problems.Add($"VM {f[FaultRecord.Vm]} vCPU {f[FaultRecord.Cpu]}: exception vector {f[FaultRecord.Vector]} at RIP {f[FaultRecord.Rip]} (error code {f[FaultRecord.Error]}), which the probe never raises: its state changed under it");
        }

        var held = list.Where(r => r.Kind == HeldRecord.Kind).Select(r => (Vm: (int)r.GetInt64(HeldRecord.Vm), Cpu: (int)r.GetInt64(HeldRecord.Cpu))).ToHashSet();
        foreach (int vm in vms)
        {
            for (int cpu = 0; cpu < vcpusPerVm; cpu++)
            {
                if (!held.Contains((vm, cpu)))
                {
                    problems.Add($"VM {vm} vCPU {cpu} never reported holding its registers to the end (no `RIG held`): it did not check");
                }
            }
        }

        return problems;
    }

    /// <summary>Register comparisons per second over all vCPUs (each round compares `hold` values): the guests' check rate.</summary>
    public static double ChecksPerSecond(IEnumerable<Record> records) =>
        records.Where(r => r.Kind == HeldRecord.Kind && r.GetDouble(HeldRecord.Us) > 0)
            .Sum(r => r.GetDouble(HeldRecord.Rounds) * r.GetDouble(HeldRecord.Hold) / (r.GetDouble(HeldRecord.Us) / 1e6));
}
