using System.Globalization;
using Rig.Guest;
using static System.FormattableString;

namespace Rig.Fuzz;

/// <summary>
/// An answer of the hypervisor the fuzzing probe judged wrong (guest-probes/Runtime/FuzzOracle.cs) or a change to its
/// canary: the vCPU (-1: the host's own check of the canary) and boot, the input it came from (as <see cref="FuzzCpuStatus.CurrentInput"/> numbers them), the
/// kind, and the four words the probe kept for that kind.
/// </summary>
public sealed record FuzzViolation(int Cpu, ulong Boot, ulong Input, int Kind, ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>The kinds' names, kind 1 first (FuzzLayout.Violation*).</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["bad-pointer", "bad-frame", "canary", "errno", "invariant"];

    /// <summary>Kinds that say the hypervisor touched memory it must not: a pointer or a frame outside RAM accepted, the canary changed.</summary>
    public static bool IsMemorySafety(int kind) => kind is FuzzLayout.ViolationBadPointer or FuzzLayout.ViolationBadFrame or FuzzLayout.ViolationCanary;

    public static string NameOf(int kind) => kind >= 1 && kind <= Kinds.Count ? Kinds[kind - 1] : kind.ToString(CultureInfo.InvariantCulture);

    public string Describe() => Kind switch
    {
        FuzzLayout.ViolationBadPointer => Invariant($"hypercall {A} cmd 0x{B:x} with its pointer at 0x{C:x}, outside RAM, answered {(long)D} (-EFAULT or -ENOSYS expected)"),
        FuzzLayout.ViolationBadFrame => Invariant($"EVTCHNOP {A} accepted a frame outside RAM (request words 0x{B:x} 0x{C:x}, answered {(long)D})"),
        FuzzLayout.ViolationCanary => Invariant($"canary quadword at 0x{A:x} changed: 0x{B:x} expected, 0x{C:x} found"),
        FuzzLayout.ViolationErrno => Invariant($"EVTCHNOP {A} with request words 0x{B:x} 0x{C:x} answered {(long)D}, not its documented error"),
        FuzzLayout.ViolationInvariant => Invariant($"EVTCHNOP {A} succeeded with an impossible port (request words 0x{B:x} 0x{C:x})"),
        _ => Invariant($"kind {Kind}: 0x{A:x} 0x{B:x} 0x{C:x} 0x{D:x}"),
    };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{NameOf(Kind)} {(Cpu < 0 ? "in the host's check at the end" : $"on cpu {Cpu} boot {Boot} input #{Input}")}: {Describe()}");
}
