namespace Rig.Fuzz;

/// <summary>
/// The guest-facing interfaces the fuzzing probe (guest-probes/probes/Fuzz.cs) drives, in the probe's order: the
/// index is the probe's interface number, its 6-bit field in the <c>weights=</c> word and its counter in the status block.
/// </summary>
public static class FuzzInterfaces
{
    public static IReadOnlyList<string> Names { get; } =
        ["port-out", "port-in", "msr-read", "msr-write", "mmio-read", "mmio-write", "hypercall", "evtchn-fifo", "com2", "reset"];

    /// <summary>The probe's default weights (its DefaultWeights): resets are not weighted, they come once per reset-every inputs.</summary>
    public static IReadOnlyList<int> DefaultWeights { get; } = [16, 16, 8, 8, 12, 12, 12, 8, 2, 0];

    /// <summary>The interfaces whose inputs the probe draws by weight (all but reset).</summary>
    public static int Weighted => Names.Count - 1;

    /// <summary>
    /// The fuzz interface whose inputs reach a rig-hv coverage site (hypervisor/Coverage): MMIO and MSR sites by their
    /// direction, the event-channel hypercall (32, public/xen.h) to the FIFO inputs, COM2's UART ports to the COM2 inputs.
    /// </summary>
    public static int Of(string coverageInterface, string handler, ulong detail) => coverageInterface switch
    {
        "pio-out" when handler == "Uart16550" && detail >> 8 is >= 0x2F8 and < 0x300 => 8,
        "pio-out" => 0,
        "pio-in" => 1,
        "msr-read" => 2,
        "msr-write" => 3,
        "mmio-read" => 4,
        "mmio-write" => 5,
        "hypercall" when detail >> 32 == 32 => 7,
        _ => 6,
    };
}
