using System.Globalization;
using Rig.Protocol;

namespace Rig.Suites.Cpu.Oracles;

/// <summary>
/// What one instruction did, decoded from a `RIG cpu` record (probes/Shared/CheckRecord.cs). A CPL3 helper returns its
/// value, or bit 63 | vector with bit 62 set when the event's saved RIP was the next instruction (a trap) and clear when it
/// was the instruction itself (a fault), SDM Vol. 3A 6.5. A CPL0 gate operation (level=cpl0) returns 0 completed (value
/// above bit 8), 1 trapped or 2 faulted with the vector in bits 8..15 and the error code above (guest-probes/StubGen/CpuCheckCode.cs).
/// </summary>
public sealed record CpuOutcome(string Op, bool Event, int? Vector, bool RipAfter, ulong Error, ulong Value, string Line)
{
    private const ulong FaultBit = 1UL << 63, TrapBit = 1UL << 62;

    public static CpuOutcome From(Record r)
    {
        ulong result = Hex(r["result"]);
        ulong error = Hex(r["error"]);
        string op = r["op"] ?? "?";
        if (r["level"] == "cpl0")
        {
            return (result & 0xFF) switch
            {
                1 => new CpuOutcome(op, true, (int)(result >> 8 & 0xFF), true, result >> 16, 0, r.Line),
                2 => new CpuOutcome(op, true, (int)(result >> 8 & 0xFF), false, result >> 16, 0, r.Line),
                _ => new CpuOutcome(op, false, null, false, error, result >> 8, r.Line),
            };
        }

        return (result & FaultBit) != 0
            ? new CpuOutcome(op, true, (int)(result & 0xFF), (result & TrapBit) != 0, error, 0, r.Line)
            : new CpuOutcome(op, false, null, false, error, result, r.Line);
    }

    public static ulong Hex(string? text) =>
        text is null ? 0 : ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>"#GP(0x10a) with the saved RIP at the instruction", "a trap to vector 4 (saved RIP after it)", "no event".</summary>
    public string Describe() =>
        !Event ? $"no event (value 0x{Value:x})"
        : Vector is not { } v ? (RipAfter ? "its handler ran with the saved RIP after the instruction (a trap)" : "a fault with the saved RIP at the instruction")
        : $"{ExceptionName(v)} (vector {v}{(HasErrorCode(v) ? $", error code 0x{Error:x}" : "")}) with the saved RIP {(RipAfter ? "after the instruction (a trap)" : "at the instruction (a fault)")}";

    public static string ExceptionName(int vector) => vector switch
    {
        0 => "#DE",
        1 => "#DB",
        3 => "#BP",
        4 => "#OF",
        6 => "#UD",
        13 => "#GP",
        14 => "#PF",
        _ => $"vector {vector}",
    };

    // SDM Vol. 3A 6.15, Table 6-1: the exceptions that push an error code.
    private static bool HasErrorCode(int vector) => vector is 8 or 10 or 11 or 12 or 13 or 14 or 17 or 21;
}
