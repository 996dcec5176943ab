using Rig.Hypervisor.Devices;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// The PC's two cascaded 8259A PICs (Intel 8259A datasheet, "Programming the 8259A": ICW1-ICW4, OCW1-OCW3): master at
/// 0x20/0x21 with the slave on IR2, slave at 0xA0/0xA1. Its INT output goes to every LAPIC's LINT0 (virtual-wire mode,
/// SDM Vol. 3A 12.5.1 ExtINT) and the LAPIC's INTA cycle takes the vector through <see cref="Acknowledge"/>.
/// ISA IRQ n is master IR n for n &lt; 8 and slave IR n-8 otherwise; IRQ2 is the cascade and has no device.
/// </summary>
public sealed class Pic8259 : IPortDevice, IExtIntSource, IPersistentDevice<PicState>
{
    private const int CascadeInput = 2;

    private readonly Lock _lock = new();
    private readonly ApicBus? _bus;
    private Chip _master = new();
    private Chip _slave = new();
    private bool _output;

    public Pic8259(ApicBus? bus)
    {
        _bus = bus;
        bus?.AttachExtIntSource(this);
    }

    public IReadOnlyList<(ushort First, ushort Count)> Ports { get; } = [(0x20, 2), (0xA0, 2)];

    /// <summary>RESET: both chips back to their power-up state, uninitialised until the next ICW1 (8259A data sheet).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _master = new();
            _slave = new();
            _output = false;
        }
    }

    public PicState Save()
    {
        lock (_lock)
        {
            return new PicState(_master.Save(), _slave.Save(), _output);
        }
    }

    /// <summary>Puts both chips back; the INT output is restored as the LAPICs saw it, so no new ExtINT edge is signalled.</summary>
    public void Restore(PicState state)
    {
        if (state.Master.InitStep is < 0 or > 3 || state.Slave.InitStep is < 0 or > 3 ||
            state.Master.LowestPriority is < 0 or > 7 || state.Slave.LowestPriority is < 0 or > 7)
        {
            throw new ArgumentException("8259 state has an ICW step outside 0-3 or a lowest-priority IR outside 0-7", nameof(state));
        }

        lock (_lock)
        {
            _master = Chip.Restore(state.Master);
            _slave = Chip.Restore(state.Slave);
            _output = state.Output;
        }
    }

    public bool HasInterrupt
    {
        get
        {
            lock (_lock)
            {
                return _output;
            }
        }
    }

    /// <summary>An ISA interrupt line changed level (0-15; 2 and out-of-range lines are ignored).</summary>
    public void SetIrq(int irq, bool level)
    {
        if ((uint)irq >= 16 || irq == CascadeInput)
        {
            return;
        }

        lock (_lock)
        {
            (irq < 8 ? _master : _slave).SetLine(irq & 7, level);
        }

        UpdateOutput();
    }

    /// <summary>
    /// The INTA sequence: the master resolves priority; if it picked the cascade input the slave supplies the vector.
    /// With no request left (the line went away before INTA) the chip answers with IR7, the spurious vector.
    /// </summary>
    public byte Acknowledge()
    {
        byte vector;
        lock (_lock)
        {
            int irq = _master.HighestUnblockedRequest(_master.SpecialFullyNested);
            if (irq < 0)
            {
                vector = (byte)(_master.VectorBase + 7);
            }
            else
            {
                _master.Acknowledge(irq);
                if (irq == CascadeInput && !_master.Single)
                {
                    int slaveIrq = _slave.HighestUnblockedRequest(false);
                    if (slaveIrq < 0)
                    {
                        vector = (byte)(_slave.VectorBase + 7);
                    }
                    else
                    {
                        _slave.Acknowledge(slaveIrq);
                        vector = (byte)(_slave.VectorBase + slaveIrq);
                    }

                    PropagateCascadeLocked();
                }
                else
                {
                    vector = (byte)(_master.VectorBase + irq);
                }
            }
        }

        UpdateOutput();
        return vector;
    }

    public uint Read(ushort port, int size)
    {
        byte value;
        lock (_lock)
        {
            var chip = port < 0x80 ? _master : _slave;
            value = (port & 1) == 0 ? chip.ReadCommand() : chip.Imr;
            PropagateCascadeLocked();
        }

        UpdateOutput();
        return value;
    }

    public void Write(ushort port, int size, uint value)
    {
        lock (_lock)
        {
            var chip = port < 0x80 ? _master : _slave;
            if ((port & 1) == 0)
            {
                chip.WriteCommand((byte)value);
            }
            else
            {
                chip.WriteData((byte)value);
            }

            PropagateCascadeLocked();
        }

        UpdateOutput();
    }

    /// <summary>The slave's INT output is the master's IR2 input.</summary>
    private void PropagateCascadeLocked() => _master.SetLine(CascadeInput, _slave.Output(false));

    private void UpdateOutput()
    {
        bool raised;
        lock (_lock)
        {
            PropagateCascadeLocked();
            bool now = _master.Output(_master.SpecialFullyNested);
            raised = now && !_output;
            _output = now;
        }

        if (raised)
        {
            _bus?.NotifyExtIntRaised();
        }
    }

    /// <summary>One 8259A. Not thread-safe: the owner's lock guards it.</summary>
    private sealed class Chip
    {
        private InitStep _step = InitStep.Operational;
        private bool _needIcw4;
        private bool _levelTriggered;
        private bool _readIsr;
        private bool _pollPending;
        private bool _specialMask;
        private bool _rotateOnAutoEoi;
        private byte _lines;

        // The IR with the lowest priority; the highest is the next one (OCW2 rotation). IR7 lowest after ICW1.
        private int _lowestPriority = 7;

        private enum InitStep
        {
            Operational,
            Icw2,
            Icw3,
            Icw4,
        }

        public byte Irr { get; private set; }

        public byte Isr { get; private set; }

        public byte Imr { get; private set; }

        public byte VectorBase { get; private set; }

        public bool Single { get; private set; }

        public bool AutoEoi { get; private set; }

        public bool SpecialFullyNested { get; private set; }

        public static Chip Restore(PicChipState s) => new()
        {
            _step = (InitStep)s.InitStep,
            _needIcw4 = s.NeedIcw4,
            _levelTriggered = s.LevelTriggered,
            _readIsr = s.ReadIsr,
            _pollPending = s.PollPending,
            _specialMask = s.SpecialMask,
            _rotateOnAutoEoi = s.RotateOnAutoEoi,
            _lines = s.Lines,
            _lowestPriority = s.LowestPriority,
            Irr = s.Irr,
            Isr = s.Isr,
            Imr = s.Imr,
            VectorBase = s.VectorBase,
            Single = s.Single,
            AutoEoi = s.AutoEoi,
            SpecialFullyNested = s.SpecialFullyNested,
        };

        public PicChipState Save() => new(
            (int)_step, _needIcw4, _levelTriggered, _readIsr, _pollPending, _specialMask, _rotateOnAutoEoi, _lines,
            _lowestPriority, Irr, Isr, Imr, VectorBase, Single, AutoEoi, SpecialFullyNested);

        public void SetLine(int ir, bool level)
        {
            byte bit = (byte)(1 << ir);
            bool rising = level && (_lines & bit) == 0;
            _lines = level ? (byte)(_lines | bit) : (byte)(_lines & ~bit);
            if (_levelTriggered)
            {
                // Level mode: IRR follows the line (datasheet, ICW1 LTIM).
                Irr = level ? (byte)(Irr | bit) : (byte)(Irr & ~bit);
            }
            else if (rising)
            {
                // Edge mode: a low-to-high transition latches the request until INTA.
                Irr |= bit;
            }
        }

        /// <summary>INT: an unmasked request has a higher priority than everything in service.</summary>
        public bool Output(bool specialFullyNested) => HighestUnblockedRequest(specialFullyNested) >= 0;

        /// <summary>The request INTA would take, or -1.</summary>
        public int HighestUnblockedRequest(bool specialFullyNested)
        {
            int request = HighestByPriority((byte)(Irr & ~Imr));
            if (request < 0)
            {
                return -1;
            }

            // Special mask mode: masked in-service levels stop inhibiting lower ones (OCW3 SMM).
            int inService = HighestByPriority(_specialMask ? (byte)(Isr & ~Imr) : Isr);
            if (inService < 0 || Priority(request) < Priority(inService))
            {
                return request;
            }

            // Special fully nested mode lets the slave's higher-priority request through while IR2 is in service (ICW4 SFNM).
            return specialFullyNested && request == inService && request == CascadeInput ? request : -1;
        }

        public void Acknowledge(int ir)
        {
            byte bit = (byte)(1 << ir);
            if (!_levelTriggered)
            {
                Irr &= (byte)~bit;
            }

            if (AutoEoi)
            {
                // Automatic EOI ends the service at the second INTA pulse; rotate-in-AEOI makes it lowest (OCW2).
                if (_rotateOnAutoEoi)
                {
                    _lowestPriority = ir;
                }
            }
            else
            {
                Isr |= bit;
            }
        }

        public byte ReadCommand()
        {
            if (_pollPending)
            {
                // Poll command (OCW3 P): the read is the INTA; bit 7 says whether there was a request.
                _pollPending = false;
                int ir = HighestUnblockedRequest(false);
                if (ir < 0)
                {
                    return 0;
                }

                Acknowledge(ir);
                return (byte)(0x80 | ir);
            }

            return _readIsr ? Isr : Irr;
        }

        public void WriteCommand(byte value)
        {
            if ((value & 0x10) != 0)
            {
                Initialize(value);
            }
            else if ((value & 0x08) != 0)
            {
                WriteOcw3(value);
            }
            else
            {
                WriteOcw2(value);
            }
        }

        public void WriteData(byte value)
        {
            switch (_step)
            {
                case InitStep.Icw2:
                    VectorBase = (byte)(value & 0xF8);
                    _step = Single ? (_needIcw4 ? InitStep.Icw4 : InitStep.Operational) : InitStep.Icw3;
                    break;
                case InitStep.Icw3:
                    // The cascade wiring is fixed (slave on IR2), so ICW3's contents have no further effect.
                    _step = _needIcw4 ? InitStep.Icw4 : InitStep.Operational;
                    break;
                case InitStep.Icw4:
                    AutoEoi = (value & 0x02) != 0;
                    SpecialFullyNested = (value & 0x10) != 0;
                    _step = InitStep.Operational;
                    break;
                default:
                    Imr = value; // OCW1
                    break;
            }
        }

        /// <summary>ICW1: starts the initialization sequence and resets the chip's state (datasheet, "Initialization").</summary>
        private void Initialize(byte icw1)
        {
            _needIcw4 = (icw1 & 0x01) != 0;
            Single = (icw1 & 0x02) != 0;
            _levelTriggered = (icw1 & 0x08) != 0;
            _step = InitStep.Icw2;

            // The edge-sense circuit is reset, IMR and ISR cleared, IR7 gets the lowest priority, special mask mode is
            // cleared and status reads select IRR. Without ICW4, its functions are cleared.
            Irr = _levelTriggered ? _lines : (byte)0;
            Isr = 0;
            Imr = 0;
            _lowestPriority = 7;
            _specialMask = false;
            _readIsr = false;
            _pollPending = false;
            _rotateOnAutoEoi = false;
            if (!_needIcw4)
            {
                AutoEoi = false;
                SpecialFullyNested = false;
            }
        }

        private void WriteOcw2(byte value)
        {
            int level = value & 7;
            switch (value >> 5)
            {
                case 0b001: // non-specific EOI
                    ClearHighestInService();
                    break;
                case 0b011: // specific EOI
                    Isr &= (byte)~(1 << level);
                    break;
                case 0b101: // rotate on non-specific EOI
                    int ir = ClearHighestInService();
                    if (ir >= 0)
                    {
                        _lowestPriority = ir;
                    }

                    break;
                case 0b100:
                    _rotateOnAutoEoi = true;
                    break;
                case 0b000:
                    _rotateOnAutoEoi = false;
                    break;
                case 0b111: // rotate on specific EOI
                    Isr &= (byte)~(1 << level);
                    _lowestPriority = level;
                    break;
                case 0b110: // set priority
                    _lowestPriority = level;
                    break;
            }
        }

        private void WriteOcw3(byte value)
        {
            if ((value & 0x04) != 0)
            {
                _pollPending = true;
            }

            if ((value & 0x02) != 0)
            {
                _readIsr = (value & 0x01) != 0;
            }

            if ((value & 0x40) != 0)
            {
                _specialMask = (value & 0x20) != 0;
            }
        }

        private int ClearHighestInService()
        {
            int ir = HighestByPriority(Isr);
            if (ir >= 0)
            {
                Isr &= (byte)~(1 << ir);
            }

            return ir;
        }

        /// <summary>0 is the highest priority: the IR just after the lowest-priority one.</summary>
        private int Priority(int ir) => (ir - _lowestPriority - 1) & 7;

        private int HighestByPriority(byte bits)
        {
            for (int p = 0; p < 8; p++)
            {
                int ir = (_lowestPriority + 1 + p) & 7;
                if ((bits & (1 << ir)) != 0)
                {
                    return ir;
                }
            }

            return -1;
        }
    }
}
