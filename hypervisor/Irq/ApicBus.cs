namespace Rig.Hypervisor.Irq;

/// <summary>
/// The system bus between the LAPICs, the IOAPIC and the 8259 (SDM Vol. 3A 12.6 "Issuing interprocessor interrupts",
/// 12.6.2 destinations). It holds no lock while it calls into a device: each LAPIC and the IOAPIC guard their own state,
/// and a device never calls the bus while holding its own lock, so there is no lock order to get wrong.
/// </summary>
public sealed class ApicBus
{
    private readonly Lock _lock = new();
    private Lapic[] _lapics = [];
    private Action<byte>[] _eoiListeners = [];

    /// <summary>The 8259 behind ExtINT delivery, or null when the VM has none.</summary>
    public IExtIntSource? ExtIntSource { get; private set; }

    public IReadOnlyList<Lapic> Lapics => Volatile.Read(ref _lapics);

    public void AttachExtIntSource(IExtIntSource source) => ExtIntSource = source;

    /// <summary>Called with the vector of every EOI broadcast (SDM 12.8.5): the IOAPIC clears remote IRR.</summary>
    public void AddEoiListener(Action<byte> listener)
    {
        lock (_lock)
        {
            _eoiListeners = [.. _eoiListeners, listener];
        }
    }

    internal void Register(Lapic lapic)
    {
        lock (_lock)
        {
            _lapics = [.. _lapics, lapic];
        }
    }

    /// <summary>Delivers <paramref name="message"/> from <paramref name="source"/> (null for the IOAPIC).</summary>
    public void Send(ApicMessage message, Lapic? source = null)
    {
        var targets = Targets(message, source);
        if (message.Mode == DeliveryMode.LowestPriority && targets.Count > 1)
        {
            // The processor with the lowest priority is model-specific (SDM 12.6.2.4); the reference picks the lowest
            // APIC ID among the destinations, a choice every implementation may make, so results stay reproducible.
            targets = [targets.MinBy(l => l.Id)!];
        }

        foreach (var lapic in targets)
        {
            lapic.Accept(message);
        }
    }

    /// <summary>The EOI message to the IOAPIC for a level-triggered vector (SDM 12.8.5).</summary>
    public void BroadcastEoi(byte vector)
    {
        foreach (var listener in Volatile.Read(ref _eoiListeners))
        {
            listener(vector);
        }
    }

    /// <summary>The 8259's INT output rose: every LAPIC whose LINT0 may be in ExtINT mode should look again.</summary>
    public void NotifyExtIntRaised()
    {
        foreach (var lapic in Volatile.Read(ref _lapics))
        {
            lapic.RingDoorbell();
        }
    }

    /// <summary>
    /// QMP inject-nmi: the chipset's NMI reaches every processor's LINT1 pin (in virtual-wire setups LINT1 is programmed
    /// as NMI, SDM 12.5.1), so the LVT decides what it becomes, as on a PC.
    /// </summary>
    public void PulseLint1OnAll()
    {
        foreach (var lapic in Volatile.Read(ref _lapics))
        {
            lapic.SetLint(1, true);
            lapic.SetLint(1, false);
        }
    }

    private List<Lapic> Targets(ApicMessage message, Lapic? source)
    {
        var all = Volatile.Read(ref _lapics);
        return message.Shorthand switch
        {
            DestinationShorthand.Self => source is null ? [] : [source],
            DestinationShorthand.AllIncludingSelf => [.. all],
            DestinationShorthand.AllExcludingSelf => [.. all.Where(l => l != source)],
            _ => [.. all.Where(l => l.IsDestination(message.Destination, message.LogicalDestination, message.Broadcast))],
        };
    }
}
