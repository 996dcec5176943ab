using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Devices;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// The I/O APIC (Intel 82093AA datasheet, "IOAPIC registers" and "I/O redirection table"): IOREGSEL at +0x00, IOWIN at
/// +0x10, 24 redirection entries. Inputs are asserted or not (<see cref="SetIrq"/>); an asserted edge-triggered pin
/// sends one message on the rising edge, a level-triggered pin sends one and sets remote IRR until the EOI for that
/// vector comes back (SDM Vol. 3A 12.8.5).
/// The polarity bit is stored for software but the line level given to SetIrq is already the logical assertion.
/// <para>
/// Version 20H, the I/O APIC of the ICH chipsets and QEMU's own (hw/intc/ioapic.c): the 82093AA's registers plus the EOI
/// register at +0x40, so the LAPIC can offer EOI-broadcast suppression (directed EOI, SDM 12.8.5): a guest that
/// suppresses the LAPIC's broadcast ends a level-triggered interrupt by writing its vector there (Linux
/// arch/x86/kernel/apic/io_apic.c, __eoi_ioapic_pin for version 20H and later).
/// </para>
/// </summary>
public sealed class IoApic : IMmioDevice, IPersistentDevice<IoApicState>
{
    public const ulong DefaultBase = 0xFEC0_0000;
    public const int Pins = 24;

    private const uint VersionRegister = 0x20 | ((Pins - 1) << 16);
    private const ulong Masked = 1 << 16;
    private const ulong RemoteIrr = 1 << 14;
    private const ulong LevelTriggered = 1 << 15;

    // Vector, delivery mode, destination mode, polarity, trigger mode, mask, destination; delivery status and remote
    // IRR are read-only.
    private const ulong WritableBits = 0xFF00_0000_0001_AFFF;

    private const int IndexId = 0x00;
    private const int IndexVersion = 0x01;
    private const int IndexArbitration = 0x02;
    private const int IndexFirstRedirection = 0x10;

    private const ulong RegisterSelect = 0x00;
    private const ulong RegisterWindow = 0x10;
    private const ulong RegisterEoi = 0x40;

    private readonly Lock _lock = new();
    private readonly ApicBus _bus;
    private readonly DefectSet _defects;
    private readonly ulong[] _redirection = new ulong[Pins];
    private readonly bool[] _lines = new bool[Pins];
    private uint _select;
    private uint _id;

    public IoApic(ApicBus bus, DefectSet defects, uint id, ulong baseAddress = DefaultBase)
    {
        _bus = bus;
        _defects = defects;
        Base = baseAddress;
        _id = id & 0xF;
        Array.Fill(_redirection, Masked);
        bus.AddEoiListener(EndOfInterrupt);
    }

    public ulong Base { get; }

    /// <summary>RESET (82093AA data sheet 3.2.4): every redirection entry masked, index register 0; the ID is the platform's.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            Array.Fill(_redirection, Masked);
            _select = 0;
        }
    }

    public ulong Length => 0x1000;

    public IoApicState Save()
    {
        lock (_lock)
        {
            return new IoApicState(_id, _select, [.. _redirection], [.. _lines]);
        }
    }

    /// <summary>Puts back entries and levels without sending anything: what was in flight at the save is in the LAPICs' saved IRRs.</summary>
    public void Restore(IoApicState state)
    {
        if (state.Redirection.Length != Pins || state.Lines.Length != Pins)
        {
            throw new ArgumentException($"IOAPIC state needs {Pins} redirection entries and input levels", nameof(state));
        }

        lock (_lock)
        {
            _id = state.Id & 0xF;
            _select = state.Select & 0xFF;
            state.Redirection.CopyTo(_redirection, 0);
            state.Lines.CopyTo(_lines, 0);
        }
    }

    /// <summary>A device's interrupt line into pin <paramref name="gsi"/> changed; out-of-range pins are ignored.</summary>
    public void SetIrq(int gsi, bool asserted)
    {
        if ((uint)gsi >= Pins)
        {
            return;
        }

        ApicMessage? message = null;
        lock (_lock)
        {
            bool rising = asserted && !_lines[gsi];
            _lines[gsi] = asserted;
            ulong entry = _redirection[gsi];
            if ((entry & LevelTriggered) != 0 ? asserted : rising)
            {
                message = TakeMessageLocked(gsi);
            }
        }

        Deliver(message);
    }

    public ulong Read(ulong offset, int size)
    {
        lock (_lock)
        {
            return offset switch
            {
                RegisterSelect => _select,
                RegisterWindow => ReadIndexedLocked(),
                _ => 0, // the EOI register is write-only
            };
        }
    }

    public void Write(ulong offset, int size, ulong value)
    {
        if (offset == RegisterEoi)
        {
            // The guest's own EOI for a vector (bits 7:0), the same as the LAPIC's EOI message to the I/O APIC.
            EndOfInterrupt((byte)value);
            return;
        }

        ApicMessage? message = null;
        lock (_lock)
        {
            if (offset == RegisterSelect)
            {
                _select = (uint)value & 0xFF;
            }
            else if (offset == RegisterWindow)
            {
                message = WriteIndexedLocked((uint)value);
            }
        }

        Deliver(message);
    }

    /// <summary>The redirection entry of <paramref name="pin"/>, for tests and the monitor.</summary>
    public ulong RedirectionEntry(int pin)
    {
        lock (_lock)
        {
            return _redirection[pin];
        }
    }

    private uint ReadIndexedLocked()
    {
        switch (_select)
        {
            case IndexId:
                return _id << 24;
            case IndexVersion:
                return VersionRegister;
            case IndexArbitration:
                // The arbitration ID is loaded from the IOAPIC ID (82093AA 3.2.3).
                return _id << 24;
            case >= IndexFirstRedirection and < IndexFirstRedirection + (2 * Pins):
                ulong entry = _redirection[(_select - IndexFirstRedirection) / 2];
                return (_select & 1) == 0 ? (uint)entry : (uint)(entry >> 32);
            default:
                return 0;
        }
    }

    private ApicMessage? WriteIndexedLocked(uint value)
    {
        if (_select == IndexId)
        {
            _id = (value >> 24) & 0xF;
            return null;
        }

        if (_select is < IndexFirstRedirection or >= IndexFirstRedirection + (2 * Pins))
        {
            return null; // version, arbitration ID and unimplemented indices are read-only
        }

        int pin = (int)(_select - IndexFirstRedirection) / 2;
        ulong old = _redirection[pin];
        ulong written = (_select & 1) == 0 ? (old & 0xFFFF_FFFF_0000_0000) | value : (old & 0xFFFF_FFFF) | ((ulong)value << 32);
        ulong updated = (written & WritableBits) | (old & RemoteIrr);
        if ((updated & LevelTriggered) == 0)
        {
            updated &= ~RemoteIrr; // remote IRR is undefined for edge-triggered entries; keep it clear
        }

        _redirection[pin] = updated;

        // Unmasking a level-triggered pin that is asserted and not awaiting EOI delivers it now.
        bool level = (updated & LevelTriggered) != 0;
        return level && _lines[pin] ? TakeMessageLocked(pin) : null;
    }

    /// <summary>The message pin <paramref name="pin"/> sends now, or null if masked or still awaiting EOI.</summary>
    private ApicMessage? TakeMessageLocked(int pin)
    {
        ulong entry = _redirection[pin];
        bool level = (entry & LevelTriggered) != 0;
        if ((entry & Masked) != 0 || (level && (entry & RemoteIrr) != 0))
        {
            return null;
        }

        var mode = (DeliveryMode)((entry >> 8) & 7);
        if (mode is not (DeliveryMode.Fixed or DeliveryMode.LowestPriority or DeliveryMode.Nmi or DeliveryMode.Init or DeliveryMode.ExtInt))
        {
            return null; // SMI (no SMM) and reserved modes
        }

        // Remote IRR is set when a level-triggered fixed/lowest-priority interrupt is accepted (82093AA 3.2.4).
        bool tracksEoi = level && mode is DeliveryMode.Fixed or DeliveryMode.LowestPriority;
        if (tracksEoi)
        {
            _redirection[pin] |= RemoteIrr;
        }

        bool logical = (entry & (1 << 11)) != 0;
        return new ApicMessage(mode, (byte)entry, tracksEoi, logical, (uint)(entry >> 56), 0xFF);
    }

    /// <summary>
    /// The EOI for <paramref name="vector"/>, from a LAPIC's broadcast or the guest's write to the EOI register: every
    /// level-triggered entry of that vector awaiting EOI clears remote IRR (SDM 12.8.5).
    /// </summary>
    private void EndOfInterrupt(byte vector)
    {
        var messages = new List<ApicMessage>();
        lock (_lock)
        {
            for (int pin = 0; pin < Pins; pin++)
            {
                ulong entry = _redirection[pin];
                if ((entry & RemoteIrr) != 0 && (byte)entry == vector)
                {
                    _redirection[pin] = entry & ~RemoteIrr;

                    // Still asserted after EOI: the device wants service again (82093AA 3.2.4, remote IRR; the
                    // seeded defect forgets it, so the line stays silent until its next rising edge).
                    if (_lines[pin] && !_defects.IsOn(DefectCatalog.IoApicLevelNoRedeliver) && TakeMessageLocked(pin) is { } again)
                    {
                        messages.Add(again);
                    }
                }
            }
        }

        foreach (var message in messages)
        {
            _bus.Send(message);
        }
    }

    private void Deliver(ApicMessage? message)
    {
        if (message is { } m)
        {
            _bus.Send(m);
        }
    }
}
