using Rig.Guest;

namespace Rig.Fuzz;

/// <summary>
/// The guest-facing interfaces the fuzzing probe (guest-probes/probes/Fuzz.cs) drives, named in the order of their
/// numbers in <see cref="FuzzLayout"/>: an interface's 6-bit field in the <c>weights=</c> word and its counter.
/// </summary>
public static class FuzzInterfaces
{
    public static IReadOnlyList<string> Names { get; } =
        ["port-out", "port-in", "msr-read", "msr-write", "mmio-read", "mmio-write", "hypercall", "evtchn-fifo", "com2", "reset"];

    /// <summary>The interfaces whose inputs the probe draws by weight (all but reset, which comes once per reset-every inputs).</summary>
    public static int Weighted => FuzzLayout.Reset;

    /// <summary>
    /// The fuzz interface whose inputs reach a rig-hv coverage site (hypervisor/Coverage): MMIO and MSR sites by their
    /// direction, the event-channel hypercall (32, public/xen.h) to the FIFO inputs, COM2's UART ports to the COM2 inputs.
    /// </summary>
    public static int Of(string coverageInterface, string handler, ulong detail) => coverageInterface switch
    {
        "pio-out" when handler == "Uart16550" && detail >> 8 is >= 0x2F8 and < 0x300 => FuzzLayout.Com2Request,
        "pio-out" => FuzzLayout.PortOut,
        "pio-in" => FuzzLayout.PortIn,
        "msr-read" => FuzzLayout.MsrRead,
        "msr-write" => FuzzLayout.MsrWrite,
        "mmio-read" => FuzzLayout.MmioRead,
        "mmio-write" => FuzzLayout.MmioWrite,
        "hypercall" when detail >> 32 == 32 => FuzzLayout.EvtchnFifo,
        _ => FuzzLayout.Hypercall,
    };
}
