using System.Runtime.CompilerServices;

namespace Rig.Guest;

/// <summary>
/// `RIG cpu check=NAME op=OP result=0x.. error=0x..` plus the facts the host's oracle needs (CPUID bits, what CPL0 saw).
/// The guest only reports what the instruction did; Oracles/CpuOutcome.cs decodes the result and the oracle judges it.
/// </summary>
public static class CheckRecord
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Line Start(string check, string op, ulong result, ulong error)
    {
        Line line = default;
        line.Text("RIG cpu");
        line.TextField("check", check);
        line.TextField("op", op);
        line.HexField("result", result);
        line.HexField("error", error);
        return line;
    }

    /// <summary>`RIG cpu-enter check=NAME`: the guest is about to run an instruction that may stop the VM, so a stop after it is attributable.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Entering(string check)
    {
        Line line = default;
        line.Text("RIG cpu-enter");
        line.TextField("check", check);
        Console.Write(ref line);
    }
}
