namespace Rig.Guest;

/// <summary>
/// Deliberate faults for checks: each returns the vector the CPU raised, or <see cref="None"/>. They go
/// through the stub's fix-up table, so the exception is an expected outcome, never reported as an error.
/// </summary>
public static class Faults
{
    public const ulong None = 0xFFFF_FFFF_FFFF_FFFF;

    public static ulong InvalidOpcode() => Vector(Native.TryUd2());

    public static ulong DivideByZero() => Vector(Native.TryDivideByZero());

    public static ulong Breakpoint() => Vector(Native.TryInt3());

    internal static ulong Vector(ulong result) => (result & Fixups.FaultBit) != 0 ? result & 0xFF : None;
}
