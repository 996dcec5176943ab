namespace Rig.Guest;

/// <summary>
/// Arms the stub's level-storm guard (StubGen KernelCode.EmitLevelStormGuard) for one level-triggered IOAPIC vector: if
/// that vector is delivered again before its C# handler ran, the stub masks the pin's redirection entry at CPL0 and
/// counts the trip. Without it a target whose LAPIC never holds the vector in service re-delivers a still-asserted
/// level line without end (82093AA 3.2.4: remote IRR is cleared by the EOI) and the guest dies at CPL0 before any
/// record of it is printed; with it the probe lives to show the extra deliveries.
/// </summary>
public static unsafe class LevelStormGuard
{
    private const ulong IoApicBase = 0xFEC0_0000;

    /// <summary>Guards <paramref name="vector"/>, routed level-triggered to <paramref name="pin"/>.</summary>
    public static void Arm(int vector, uint pin)
    {
        BootInfo* boot = Runtime.Boot;
        boot->LevelGuardIoApic = IoApicBase;
        boot->LevelGuardSelect = 0x10 + (2 * pin);
        boot->LevelGuardMaskedEntry = (uint)vector | IoApicPin.LevelTriggered | IoApicPin.Masked;
        Atomic.Exchange(&boot->LevelGuardVector, (ulong)vector);
    }

    public static void Disarm() => Atomic.Exchange(&Runtime.Boot->LevelGuardVector, 0);

    /// <summary>How often the stub masked the pin: deliveries of the vector that came before its handler ran.</summary>
    public static ulong Trips => Atomic.Load(&Runtime.Boot->LevelGuardTrips);
}
