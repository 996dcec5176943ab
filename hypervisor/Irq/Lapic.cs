using Rig.Hypervisor.Defects;
using Rig.Hypervisor.Vm;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// One processor's local APIC, xAPIC and x2APIC, as the reference the rig compares hypervisors against. Section numbers
/// are from the Intel SDM Vol. 3A chapter 12 "Advanced Programmable Interrupt Controller (APIC)" (chapter 11 in editions
/// before 2023, same subsection numbers under 11.x).
/// <para>
/// Threads: the owning vCPU (MMIO, MSRs, INTA), other vCPUs and the IOAPIC (messages through <see cref="ApicBus"/>), the
/// timer thread and QMP all call in. One lock guards the registers; it is never held while calling the bus, the 8259 or
/// the doorbell, so no lock order exists to violate. The timer queue's lock may be taken inside it (the queue never
/// calls out while holding its own).
/// </para>
/// <para>
/// The timer counts at <see cref="TimerFrequencyHz"/> before the divider: one count per nanosecond of host
/// CLOCK_MONOTONIC, as KVM's own LAPIC does, so guests that calibrate it against the PIT see 1 GHz.
/// </para>
/// </summary>
public sealed class Lapic : ILocalApic
{
    public const ulong DefaultBase = 0xFEE0_0000;
    public const long TimerFrequencyHz = 1_000_000_000;

    private const uint Ia32ApicBase = 0x1B;
    private const uint Ia32TscDeadline = 0x6E0;
    private const uint X2ApicFirstMsr = 0x800;
    private const uint X2ApicLastMsr = 0x8FF;

    // IA32_APIC_BASE (SDM 12.4.4, 12.12.1): BSP flag, x2APIC enable (EXTD), global enable (EN), base above bit 12.
    private const ulong BaseBsp = 1 << 8;
    private const ulong BaseExtd = 1 << 10;
    private const ulong BaseEnable = 1 << 11;
    private const ulong BaseAddressMask = 0x000F_FFFF_FFFF_F000;
    private const ulong BaseReservedMask = ~(BaseBsp | BaseExtd | BaseEnable | BaseAddressMask);

    // Version register (SDM 12.4.8): version 14H (integrated APIC), max LVT entry 6 (CMCI present), bit 24: EOI-broadcast
    // suppression is supported (SDM 12.8.5, directed EOI). The IOAPIC is version 20H, whose EOI register lets a guest
    // that suppresses the broadcast end its level-triggered interrupts (KVM offers the bit only beside such an IOAPIC).
    private const uint Version = 0x14 | ((uint)(LvtCount - 1) << 16) | (1u << 24);

    private const int LvtCount = 7;
    private const uint LvtMasked = 1 << 16;
    private const uint LvtRemoteIrr = 1 << 14;
    private const uint LvtLevelTriggered = 1 << 15;
    private const uint SvrSoftwareEnable = 1 << 8;
    private const uint SvrSuppressEoiBroadcast = 1 << 12;
    private const uint DfrFlatModel = 0xF000_0000;
    private const uint IcrWritableLow = 0x000C_CFFF;

    // Registers by their xAPIC offset >> 4, which is also the x2APIC MSR number - 0x800 (SDM 12.12.1.2, table 12-6).
    private const int RegId = 0x02;
    private const int RegVersion = 0x03;
    private const int RegTpr = 0x08;
    private const int RegApr = 0x09;
    private const int RegPpr = 0x0A;
    private const int RegEoi = 0x0B;
    private const int RegRrd = 0x0C;
    private const int RegLdr = 0x0D;
    private const int RegDfr = 0x0E;
    private const int RegSvr = 0x0F;
    private const int RegIsr = 0x10;
    private const int RegTmr = 0x18;
    private const int RegIrr = 0x20;
    private const int RegEsr = 0x28;
    private const int RegLvtCmci = 0x2F;
    private const int RegIcrLow = 0x30;
    private const int RegIcrHigh = 0x31;
    private const int RegLvtTimer = 0x32;
    private const int RegLvtError = 0x37;
    private const int RegInitialCount = 0x38;
    private const int RegCurrentCount = 0x39;
    private const int RegDivide = 0x3E;
    private const int RegSelfIpi = 0x3F;

    private readonly Lock _lock = new();
    private readonly uint _initialId;
    private readonly IVcpuDoorbell _doorbell;
    private readonly ApicBus _bus;
    private readonly DefectSet _defects;
    private readonly LapicTimer _timer;

    private readonly uint[] _isr = new uint[8];
    private readonly uint[] _tmr = new uint[8];
    private readonly uint[] _irr = new uint[8];
    private readonly uint[] _lvt = new uint[LvtCount];
    private readonly bool[] _lintLevels = new bool[2];
    private readonly List<ApicMessage> _heldSelfIpis = [];

    private ulong _apicBase;
    private uint _id;
    private uint _tpr;
    private uint _ldr;
    private uint _dfr;
    private uint _svr;
    private uint _errorsVisible;
    private uint _errorsPending;
    private uint _icrLow;
    private uint _icrHigh;
    private bool _nmiPending;
    private bool _initPending;
    private bool _sipiPending;
    private byte _sipiVector;
    private bool _extIntPending;

    /// <param name="apicId">The initial APIC ID; also the vCPU index passed to <see cref="IGuestClock.GuestTsc"/>. ID 0 is the BSP.</param>
    public Lapic(int apicId, IGuestClock clock, IVcpuDoorbell doorbell, ApicBus bus, TimerQueue timers, DefectSet defects)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(apicId);
        _initialId = (uint)apicId;
        _doorbell = doorbell;
        _bus = bus;
        _defects = defects;
        _timer = new LapicTimer(apicId, clock, () => _lvt[(int)LvtEntry.Timer], timers, doorbell, OnTimerDeadline, defects);
        ResetLocked(keepRequests: false);
        bus.Register(this);
    }

    /// <summary>The current APIC ID: the x2APIC ID, or in xAPIC mode the 8-bit ID software may have rewritten.</summary>
    public uint Id
    {
        get
        {
            lock (_lock)
            {
                return _id;
            }
        }
    }

    public ulong ApicBaseMsr
    {
        get
        {
            lock (_lock)
            {
                return _apicBase;
            }
        }
    }

    public bool X2ApicMode
    {
        get
        {
            lock (_lock)
            {
                return X2;
            }
        }
    }

    /// <summary>CR8 as seen by 64-bit code: TPR bits 7:4 (SDM 12.8.6.1). The core syncs it with KVM's cr8.</summary>
    public ulong Cr8
    {
        get
        {
            lock (_lock)
            {
                return _tpr >> 4;
            }
        }

        set
        {
            lock (_lock)
            {
                _tpr = (uint)(value & 0xF) << 4;
            }
        }
    }

    /// <summary>Highest IRR vector's class above the PPR class (SDM 12.8.3.1), or an ExtINT request (SDM 12.5.1).</summary>
    public bool HasDeliverableInterrupt => NextInterrupt(acknowledge: false, out _);

    private bool HardwareEnabled => (_apicBase & BaseEnable) != 0;

    private bool X2 => (_apicBase & (BaseEnable | BaseExtd)) == (BaseEnable | BaseExtd);

    private bool SoftwareEnabled => (_svr & SvrSoftwareEnable) != 0;

    /// <summary>x2APIC logical ID derived from the x2APIC ID (SDM 12.12.10.2): cluster in 31:16, one bit of 16 in 15:0.</summary>
    private uint X2Ldr => ((_id >> 4) << 16) | (1u << (int)(_id & 0xF));

    private uint ProcessorPriority
    {
        get
        {
            // PPR (SDM 12.8.3.1): TPR if its class is at least the class in service, else the in-service class.
            uint isrv = (uint)Math.Max(HighestVector(_isr), 0);
            return (_tpr >> 4) >= (isrv >> 4) ? _tpr & 0xFF : isrv & 0xF0;
        }
    }

    private uint ArbitrationPriority
    {
        get
        {
            // APR (SDM 12.6.2.4, figure "Arbitration Priority Register").
            uint isrv = (uint)Math.Max(HighestVector(_isr), 0);
            uint irrv = (uint)Math.Max(HighestVector(_irr), 0);
            if ((_tpr >> 4) >= (irrv >> 4) && (_tpr >> 4) > (isrv >> 4))
            {
                return _tpr & 0xFF;
            }

            return Math.Max(_tpr & 0xF0, Math.Max(isrv & 0xF0, irrv & 0xF0));
        }
    }

    public ulong ReadMmio(ulong offset, int size)
    {
        ulong allOnes = size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        uint value;
        lock (_lock)
        {
            // In x2APIC mode or globally disabled the xAPIC page is not decoded (SDM 12.4.3, 12.12.2).
            if (!HardwareEnabled || X2)
            {
                return allOnes;
            }

            int within = (int)(offset & 0xF);
            if (offset >= 0x400 || within >= 4)
            {
                return 0;
            }

            if (!TryReadLocked((int)(offset >> 4), x2: false, out ulong register))
            {
                NoteErrorLocked(ApicError.IllegalRegisterAddress);
                return 0;
            }

            value = (uint)(register >> (within * 8));
        }

        return value & allOnes;
    }

    public void WriteMmio(ulong offset, int size, ulong value)
    {
        Action? afterUnlock;
        lock (_lock)
        {
            // Only aligned 32-bit stores reach a register (SDM 12.4.1: "all 32-bit registers should be accessed using
            // 128-bit aligned 32-bit loads or stores"); anything else is dropped as KVM drops it.
            if (!HardwareEnabled || X2 || offset >= 0x400 || (offset & 0xF) != 0 || size != 4)
            {
                return;
            }

            if (!TryWriteLocked((int)(offset >> 4), (uint)value, x2: false, out afterUnlock))
            {
                NoteErrorLocked(ApicError.IllegalRegisterAddress);
            }
        }

        afterUnlock?.Invoke();
    }

    public bool TryReadMsr(uint msr, out ulong value)
    {
        lock (_lock)
        {
            switch (msr)
            {
                case Ia32ApicBase:
                    value = _apicBase;
                    return true;
                case Ia32TscDeadline:
                    value = _timer.TscDeadline;
                    return true;
                case >= X2ApicFirstMsr and <= X2ApicLastMsr when X2:
                    return TryReadLocked((int)(msr - X2ApicFirstMsr), x2: true, out value);
                default:
                    // x2APIC MSRs outside x2APIC mode, and MSRs that are not the APIC's, raise #GP (SDM 12.12.1.3).
                    value = 0;
                    return false;
            }
        }
    }

    public bool TryWriteMsr(uint msr, ulong value)
    {
        Action? afterUnlock = null;
        bool ok;
        lock (_lock)
        {
            switch (msr)
            {
                case Ia32ApicBase:
                    ok = TryWriteApicBaseLocked(value);
                    break;
                case Ia32TscDeadline:
                    _timer.WriteTscDeadline(value);
                    afterUnlock = ExpireIfDueLocked();
                    ok = true;
                    break;
                case >= X2ApicFirstMsr and <= X2ApicLastMsr when X2:
                    ok = TryWriteX2ApicLocked((int)(msr - X2ApicFirstMsr), value, out afterUnlock);
                    break;
                default:
                    ok = false;
                    break;
            }
        }

        afterUnlock?.Invoke();
        return ok;
    }

    public bool TakeNmi() => TakeFlag(ref _nmiPending);

    public bool TakeInit() => TakeFlag(ref _initPending);

    public bool TakeSipi(out byte vector)
    {
        lock (_lock)
        {
            vector = _sipiVector;
            bool pending = _sipiPending;
            _sipiPending = false;
            return pending;
        }
    }

    /// <summary>
    /// The INTA cycle (SDM 12.8.4): an ExtINT request takes its vector from the 8259; otherwise the highest IRR vector
    /// above PPR moves to ISR, which raises PPR. False when nothing is deliverable.
    /// </summary>
    public bool TryAcknowledge(out byte vector) => NextInterrupt(acknowledge: true, out vector);

    /// <summary>RESET (SDM 12.4.7.1), the state the tables in 12.12.5.1 list; the APIC ID returns to its initial value.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            // Seeded defect 001: the reset forgets IRR and ISR, so a vector left in service masks the new boot's timer.
            ResetLocked(keepRequests: _defects.IsOn(DefectCatalog.StaleLapicOnReset));
        }
    }

    /// <summary>
    /// INIT (SDM 12.4.7.3, 12.12.5.1): registers as after RESET, but the APIC ID, IA32_APIC_BASE (and so the xAPIC or
    /// x2APIC mode, or disabled state) are kept.
    /// </summary>
    public void Init()
    {
        lock (_lock)
        {
            ClearRegistersLocked(keepRequests: false);
            _extIntPending = false;
        }
    }

    public LapicState Save()
    {
        lock (_lock)
        {
            return new LapicState(
                _apicBase, _id, _tpr, _ldr, _dfr, _svr, [.. _isr], [.. _tmr], [.. _irr], _errorsVisible, _errorsPending,
                _icrLow, _icrHigh, [.. _lvt], _timer.InitialCount, _timer.DivideConfiguration, _timer.Running,
                _timer.ElapsedNs, _timer.StoredTscDeadline, _nmiPending, _initPending, _sipiPending,
                _sipiVector, _extIntPending, [.. _lintLevels]);
        }
    }

    /// <summary>Loads a state from <see cref="Save"/>; malformed states (wrong array lengths) are rejected whole.</summary>
    public void Restore(LapicState state)
    {
        if (state.Isr.Length != 8 || state.Tmr.Length != 8 || state.Irr.Length != 8 || state.Lvt.Length != LvtCount ||
            state.LintLevels.Length != 2 || state.TimerElapsedNs < 0)
        {
            throw new ArgumentException("LAPIC state has malformed register arrays or a negative timer phase", nameof(state));
        }

        lock (_lock)
        {
            _apicBase = state.ApicBase;
            _id = state.Id;
            _tpr = state.Tpr;
            _ldr = state.Ldr;
            _dfr = state.Dfr;
            _svr = state.Svr;
            state.Isr.CopyTo(_isr, 0);
            state.Tmr.CopyTo(_tmr, 0);
            state.Irr.CopyTo(_irr, 0);
            _errorsVisible = state.ErrorsVisible;
            _errorsPending = state.ErrorsPending;
            _icrLow = state.IcrLow;
            _icrHigh = state.IcrHigh;
            state.Lvt.CopyTo(_lvt, 0);
            _nmiPending = state.NmiPending;
            _initPending = state.InitPending;
            _sipiPending = state.SipiPending;
            _sipiVector = state.SipiVector;
            _extIntPending = state.ExtIntPending;
            state.LintLevels.CopyTo(_lintLevels, 0);

            _timer.Restore(state.InitialCount, state.DivideConfiguration, state.TimerRunning, state.TimerElapsedNs, state.TscDeadline);
        }

        _doorbell.Ring();
    }

    /// <summary>
    /// A level change on LINT0/LINT1 (SDM 12.5.1): the LVT entry decides what it becomes. With the APIC globally disabled
    /// the pins are the processor's INTR and NMI (SDM 12.4.3).
    /// </summary>
    public void SetLint(int pin, bool level)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(pin is 0 or 1, true, nameof(pin));
        bool ring = false;
        lock (_lock)
        {
            bool rising = level && !_lintLevels[pin];
            _lintLevels[pin] = level;
            if (!HardwareEnabled && pin == 0)
            {
                ring = level;
            }
            else if (!HardwareEnabled)
            {
                _nmiPending |= rising;
                ring = rising;
            }
            else
            {
                ring = SignalLintLocked(pin, rising);
            }
        }

        if (ring)
        {
            _doorbell.Ring();
        }
    }

    /// <summary>Does a message for <paramref name="destination"/> address this LAPIC (SDM 12.6.2.1, 12.6.2.2, 12.12.10)?</summary>
    internal bool IsDestination(uint destination, bool logical, uint broadcast)
    {
        lock (_lock)
        {
            if (!HardwareEnabled)
            {
                return false;
            }

            if (destination == broadcast)
            {
                return true;
            }

            if (!logical)
            {
                return X2 ? destination == _id : destination == (_id & 0xFF);
            }

            if (X2)
            {
                uint ldr = X2Ldr;
                return destination >> 16 == ldr >> 16 && (destination & ldr & 0xFFFF) != 0;
            }

            uint mda = destination & 0xFF;
            uint logicalId = _ldr >> 24;
            return (_dfr & 0xF000_0000) == DfrFlatModel
                ? (mda & logicalId) != 0
                : mda >> 4 == logicalId >> 4 && (mda & logicalId & 0xF) != 0;
        }
    }

    /// <summary>A message this LAPIC is a destination of (SDM 12.6.1 delivery modes).</summary>
    internal void Accept(ApicMessage message)
    {
        lock (_lock)
        {
            if (!HardwareEnabled)
            {
                return;
            }

            switch (message.Mode)
            {
                case DeliveryMode.Fixed or DeliveryMode.LowestPriority:
                    // A software-disabled APIC still holds what it had but accepts no new fixed interrupts (SDM 12.4.7.2).
                    if (!SoftwareEnabled)
                    {
                        return;
                    }

                    RequestLocked(message.Vector, message.LevelTriggered);
                    break;
                case DeliveryMode.Nmi:
                    _nmiPending = true;
                    break;
                case DeliveryMode.Init:
                    _initPending = true;
                    break;
                case DeliveryMode.StartUp:
                    _sipiPending = true;
                    _sipiVector = message.Vector;
                    break;
                case DeliveryMode.ExtInt:
                    _extIntPending = true;
                    break;
                default:
                    // SMI: the reference models no SMM; reserved modes are not delivered.
                    return;
            }
        }

        _doorbell.Ring();
    }

    internal void RingDoorbell() => _doorbell.Ring();

    private static int HighestVector(uint[] bits)
    {
        for (int word = 7; word >= 0; word--)
        {
            if (bits[word] != 0)
            {
                return (word * 32) + 31 - System.Numerics.BitOperations.LeadingZeroCount(bits[word]);
            }
        }

        return -1;
    }

    private static bool Test(uint[] bits, int vector) => (bits[vector >> 5] & (1u << (vector & 31))) != 0;

    private static void Set(uint[] bits, int vector, bool on)
    {
        if (on)
        {
            bits[vector >> 5] |= 1u << (vector & 31);
        }
        else
        {
            bits[vector >> 5] &= ~(1u << (vector & 31));
        }
    }

    private static uint LvtWritableBits(LvtEntry entry) => entry switch
    {
        // Vector, mask and timer mode (SDM 12.5.1, 12.5.4); bit 18 exists because TSC-deadline mode is supported.
        LvtEntry.Timer => 0x0007_00FF,
        LvtEntry.Error => 0x0001_00FF,
        // Vector, delivery mode, polarity, trigger mode, mask; remote IRR is read-only.
        LvtEntry.Lint0 or LvtEntry.Lint1 => 0x0001_A7FF,
        _ => 0x0001_07FF,
    };

    private bool TakeFlag(ref bool flag)
    {
        lock (_lock)
        {
            bool was = flag;
            flag = false;
            return was;
        }
    }

    private bool NextInterrupt(bool acknowledge, out byte vector)
    {
        vector = 0;
        bool explicitExtInt;
        bool lint0IsExtInt;
        lock (_lock)
        {
            explicitExtInt = HardwareEnabled && _extIntPending;
            uint lint0 = _lvt[(int)LvtEntry.Lint0];
            lint0IsExtInt = !HardwareEnabled || ((lint0 & LvtMasked) == 0 && (DeliveryMode)((lint0 >> 8) & 7) == DeliveryMode.ExtInt);
            if (!explicitExtInt && HardwareEnabled)
            {
                int irrv = HighestVector(_irr);
                if (irrv >= 0 && (irrv >> 4) > (ProcessorPriority >> 4))
                {
                    if (acknowledge)
                    {
                        Set(_irr, irrv, false);
                        Set(_isr, irrv, true);
                    }

                    vector = (byte)irrv;
                    return true;
                }
            }

            if (explicitExtInt && acknowledge)
            {
                _extIntPending = false;
            }
        }

        // ExtINT bypasses IRR, ISR and priority: the vector comes from the 8259's INTA cycle (SDM 12.5.1). The 8259 is
        // asked with the LAPIC lock released.
        var pic = _bus.ExtIntSource;
        if (pic is null || !(explicitExtInt || (lint0IsExtInt && pic.HasInterrupt)))
        {
            return false;
        }

        if (acknowledge)
        {
            vector = pic.Acknowledge();
        }

        return true;
    }

    private void ResetLocked(bool keepRequests)
    {
        _timer.NoteReset();
        _id = _initialId;
        _apicBase = DefaultBase | BaseEnable | (_initialId == 0 ? BaseBsp : 0);
        ClearRegistersLocked(keepRequests);
        _nmiPending = false;
        _initPending = false;
        _sipiPending = false;
        _sipiVector = 0;
        _extIntPending = false;
    }

    /// <summary>The register values of SDM 12.4.7.1 that RESET, INIT and a mode change through disabled all produce.</summary>
    private void ClearRegistersLocked(bool keepRequests)
    {
        if (!keepRequests)
        {
            Array.Clear(_irr);
            Array.Clear(_isr);
        }

        Array.Clear(_tmr);
        _tpr = 0;
        _ldr = 0;
        _dfr = 0xFFFF_FFFF;
        _svr = 0xFF;
        _errorsVisible = 0;
        _errorsPending = 0;
        _icrLow = 0;
        _icrHigh = 0;
        Array.Fill(_lvt, LvtMasked);
        _timer.Clear();
    }

    private bool TryWriteApicBaseLocked(ulong value)
    {
        if ((value & BaseReservedMask) != 0)
        {
            return false;
        }

        bool wasEnabled = HardwareEnabled;
        bool wasX2 = X2;
        bool enable = (value & BaseEnable) != 0;
        bool extd = (value & BaseExtd) != 0;

        // Legal transitions (SDM 12.12.5, figure "Local x2APIC State Transitions"): never to EN=0/EXTD=1, never from
        // x2APIC straight back to xAPIC, never from disabled straight to x2APIC.
        if ((!enable && extd) || (wasX2 && enable && !extd) || (!wasEnabled && enable && extd))
        {
            return false;
        }

        // The BSP flag is set by the platform at reset; software writes do not move it.
        _apicBase = (value & ~BaseBsp) | (_apicBase & BaseBsp);
        if (wasEnabled && !enable)
        {
            // Register state is not preserved across a pass through the disabled state, except the x2APIC ID (12.12.5.1).
            ClearRegistersLocked(keepRequests: false);
            _extIntPending = false;
        }
        else if (!wasX2 && X2)
        {
            // Entering x2APIC mode: the ID becomes the (unchangeable) x2APIC ID, the LDR is derived from it (12.12.5.1).
            _id = _initialId;
        }

        return true;
    }

    private void OnTimerDeadline(long deadline)
    {
        bool delivered;
        lock (_lock)
        {
            delivered = _timer.Expire(deadline) && SignalLocalLocked(LvtEntry.Timer);
        }

        if (delivered)
        {
            _doorbell.Ring();
        }
    }

    /// <summary>
    /// Delivers a timer expiry that is already due, on the writing vCPU's own thread rather than when the host's timer
    /// thread next runs: a count or a TSC deadline that is due when written fires at once (SDM 12.5.4, 12.5.4.1), and a
    /// count that reached zero before a mode or count change interrupted before that change. Returns the doorbell to
    /// ring after the lock is released when it requested the interrupt.
    /// </summary>
    private Action? ExpireIfDueLocked() =>
        _timer.DueDeadline is { } deadline && _timer.Expire(deadline) && SignalLocalLocked(LvtEntry.Timer) ? _doorbell.Ring : null;

    private bool TryReadLocked(int reg, bool x2, out ulong value)
    {
        ulong? register = reg switch
        {
            RegId => x2 ? _id : (_id & 0xFF) << 24,
            RegVersion => Version,
            RegTpr => _tpr,
            RegApr when !x2 => ArbitrationPriority,
            RegPpr => ProcessorPriority,
            RegEoi when !x2 => 0,
            RegRrd when !x2 => 0,
            RegLdr => x2 ? X2Ldr : _ldr,
            RegDfr when !x2 => _dfr | 0x0FFF_FFFF,
            RegSvr => _svr,
            >= RegIsr and < RegIsr + 8 => _isr[reg - RegIsr],
            >= RegTmr and < RegTmr + 8 => _tmr[reg - RegTmr],
            >= RegIrr and < RegIrr + 8 => _irr[reg - RegIrr],
            RegEsr => _errorsVisible,
            RegLvtCmci => _lvt[(int)LvtEntry.Cmci],
            // Delivery status (bit 12) is always idle: messages are delivered before the write returns.
            RegIcrLow => x2 ? ((ulong)_icrHigh << 32) | _icrLow : _icrLow,
            RegIcrHigh when !x2 => _icrHigh,
            >= RegLvtTimer and <= RegLvtError => _lvt[(int)LvtEntry.Timer + reg - RegLvtTimer],
            RegInitialCount => _timer.InitialCount,
            RegCurrentCount => _timer.CurrentCount(),
            RegDivide => _timer.DivideConfiguration,
            _ => null,
        };
        value = register ?? 0;
        return register.HasValue;
    }

    private bool TryWriteX2ApicLocked(int reg, ulong value, out Action? afterUnlock)
    {
        afterUnlock = null;

        // x2APIC-only rules (SDM 12.12.1.2, 12.12.1.3): read-only registers, EOI and ESR accept only zero, SELF IPI
        // only a vector, 32-bit registers nothing above bit 31; each violation is #GP.
        bool legal = reg switch
        {
            RegId or RegVersion or RegPpr or RegLdr or RegCurrentCount => false,
            >= RegIsr and < RegIrr + 8 => false,
            RegEoi or RegEsr => value == 0,
            RegSelfIpi => value <= 0xFF,
            RegIcrLow => true,
            _ => value <= uint.MaxValue,
        };
        if (!legal)
        {
            return false;
        }

        if (reg == RegIcrLow)
        {
            _icrHigh = (uint)(value >> 32);
            _icrLow = (uint)value & IcrWritableLow;
            afterUnlock = PrepareIpiLocked();
            return true;
        }

        if (reg == RegSelfIpi)
        {
            // SELF IPI: a fixed, edge-triggered interrupt to this APIC (SDM 12.12.11).
            var message = new ApicMessage(DeliveryMode.Fixed, (byte)value, false, false, 0, uint.MaxValue, DestinationShorthand.Self);
            afterUnlock = SendOrHold(message);
            return true;
        }

        return TryWriteLocked(reg, (uint)value, x2: true, out afterUnlock);
    }

    private bool TryWriteLocked(int reg, uint value, bool x2, out Action? afterUnlock)
    {
        afterUnlock = null;
        switch (reg)
        {
            case RegId when !x2:
                _id = value >> 24;
                return true;
            case RegTpr:
                _tpr = value & 0xFF;
                return true;
            case RegEoi:
                afterUnlock = EndOfInterruptLocked();
                return true;
            case RegLdr when !x2:
                _ldr = value & 0xFF00_0000;
                return true;
            case RegDfr when !x2:
                _dfr = value | 0x0FFF_FFFF;
                return true;
            case RegSvr:
                WriteSvrLocked(value);
                return true;
            case RegEsr:
                // Write-then-read (SDM 12.5.3): a write publishes the errors seen since the previous write and clears them.
                _errorsVisible = _errorsPending;
                _errorsPending = 0;
                return true;
            case RegLvtCmci:
                WriteLvtLocked(LvtEntry.Cmci, value);
                return true;
            case RegIcrLow when !x2:
                _icrLow = value & IcrWritableLow;
                afterUnlock = PrepareIpiLocked();
                return true;
            case RegIcrHigh when !x2:
                _icrHigh = value & 0xFF00_0000;
                return true;
            case >= RegLvtTimer and <= RegLvtError:
                WriteLvtLocked(LvtEntry.Timer + (reg - RegLvtTimer), value);
                return true;
            case RegInitialCount:
                ExpireIfDueLocked();
                _timer.WriteInitialCount(value);
                afterUnlock = ExpireIfDueLocked();
                return true;
            case RegDivide:
                _timer.WriteDivide(value);
                return true;
            case RegVersion or RegApr or RegPpr or RegRrd or RegCurrentCount or (>= RegIsr and < RegIrr + 8) when !x2:
                return true; // read-only in xAPIC mode: the write is dropped
            default:
                return false;
        }
    }

    private void WriteSvrLocked(uint value)
    {
        _svr = value & (0xFF | SvrSoftwareEnable | SvrSuppressEoiBroadcast);
        if (!SoftwareEnabled)
        {
            // Software disable masks every LVT entry (SDM 12.4.7.2).
            for (int i = 0; i < LvtCount; i++)
            {
                _lvt[i] |= LvtMasked;
            }
        }
    }

    private void WriteLvtLocked(LvtEntry entry, uint value)
    {
        uint stored = (value & LvtWritableBits(entry)) | (_lvt[(int)entry] & LvtRemoteIrr);

        // While software-disabled the mask bits cannot be cleared (SDM 12.4.7.2).
        if (!SoftwareEnabled)
        {
            stored |= LvtMasked;
        }

        if (entry == LvtEntry.Timer)
        {
            // A count that reached zero before the mode change has interrupted before it, and stays at zero (SDM 12.5.4).
            ExpireIfDueLocked();
            _timer.WriteLvt(stored, v => _lvt[(int)LvtEntry.Timer] = v);
        }
        else
        {
            _lvt[(int)entry] = stored;
        }
    }

    /// <summary>
    /// Builds the IPI the ICR now holds (SDM 12.6.1) and returns the send, to run after the lock is released.
    /// </summary>
    private Action? PrepareIpiLocked()
    {
        var mode = (DeliveryMode)((_icrLow >> 8) & 7);
        byte vector = (byte)_icrLow;
        bool logical = (_icrLow & (1 << 11)) != 0;
        bool assert = (_icrLow & (1 << 14)) != 0;
        bool levelTriggered = (_icrLow & (1 << 15)) != 0;
        var shorthand = (DestinationShorthand)((_icrLow >> 18) & 3);

        switch (mode)
        {
            case DeliveryMode.Init when levelTriggered && !assert:
                // INIT level de-assert: only the P6 family acted on it; it sends nothing now (SDM 12.6.1).
                return null;
            case DeliveryMode.Fixed or DeliveryMode.LowestPriority when vector < 16:
                NoteErrorLocked(ApicError.SendIllegalVector);
                return null;
            case DeliveryMode.Fixed or DeliveryMode.LowestPriority or DeliveryMode.Nmi or DeliveryMode.Init or DeliveryMode.StartUp:
                break;
            default:
                // SMI (no SMM in the reference) and the reserved modes 011b and 111b (ExtINT is not an ICR mode).
                return null;
        }

        // The "self" shorthand carries fixed interrupts only (SDM 12.6.1, table of valid shorthand combinations).
        if (shorthand == DestinationShorthand.Self && mode != DeliveryMode.Fixed)
        {
            return null;
        }

        uint destination = X2 ? _icrHigh : _icrHigh >> 24;
        uint broadcast = X2 ? uint.MaxValue : 0xFF;
        bool edgeOnly = mode is DeliveryMode.Nmi or DeliveryMode.Init or DeliveryMode.StartUp;
        var message = new ApicMessage(mode, vector, levelTriggered && !edgeOnly, logical, destination, broadcast, shorthand);
        return SendOrHold(message);
    }

    /// <summary>
    /// The send of an IPI this LAPIC built, to run after the lock is released. With the seeded defect
    /// self-ipi-waits-for-halt a self-IPI is held instead, until the vCPU halts (<see cref="OnHalt"/>).
    /// </summary>
    private Action SendOrHold(ApicMessage message)
    {
        if (message.Shorthand == DestinationShorthand.Self && _defects.IsOn(DefectCatalog.SelfIpiWaitsForHalt))
        {
            return () =>
            {
                lock (_lock)
                {
                    _heldSelfIpis.Add(message);
                }
            };
        }

        return () => _bus.Send(message, this);
    }

    public void OnHalt()
    {
        ApicMessage[] held;
        lock (_lock)
        {
            held = [.. _heldSelfIpis];
            _heldSelfIpis.Clear();
        }

        // Outside the lock: the bus calls back into this LAPIC (ApicBus: no device calls the bus holding its own lock).
        foreach (var message in held)
        {
            _bus.Send(message, this);
        }
    }

    /// <summary>
    /// EOI (SDM 12.8.5): retire the highest ISR vector; a level-triggered one is broadcast to the IOAPIC unless SVR bit 12
    /// suppresses the broadcast, in which case the guest sends the IOAPIC its EOI itself (the seeded defect
    /// directed-eoi-broadcasts ignores the bit, so the still-asserted line is sent again before the guest's IOAPIC EOI).
    /// </summary>
    private Action? EndOfInterruptLocked()
    {
        int vector = HighestVector(_isr);
        if (vector < 0)
        {
            return null;
        }

        Set(_isr, vector, false);
        bool level = Test(_tmr, vector);
        bool ring = false;
        for (int pin = 0; pin < 2; pin++)
        {
            ref uint lvt = ref _lvt[(int)LvtEntry.Lint0 + pin];
            if ((lvt & LvtRemoteIrr) != 0 && (byte)lvt == vector)
            {
                // A level-triggered LINT interrupt re-arms on EOI and fires again if the pin is still asserted.
                lvt &= ~LvtRemoteIrr;
                ring |= _lintLevels[pin] && SignalLintLocked(pin, rising: true);
            }
        }

        bool suppressed = (_svr & SvrSuppressEoiBroadcast) != 0 && !_defects.IsOn(DefectCatalog.DirectedEoiBroadcasts);
        bool broadcast = level && !suppressed;
        if (!broadcast && !ring)
        {
            return null;
        }

        return () =>
        {
            if (broadcast)
            {
                _bus.BroadcastEoi((byte)vector);
            }

            if (ring)
            {
                _doorbell.Ring();
            }
        };
    }

    private bool SignalLintLocked(int pin, bool rising)
    {
        var entry = pin == 0 ? LvtEntry.Lint0 : LvtEntry.Lint1;
        uint lvt = _lvt[(int)entry];
        if ((lvt & LvtMasked) != 0)
        {
            return false;
        }

        var mode = (DeliveryMode)((lvt >> 8) & 7);
        if (mode == DeliveryMode.ExtInt)
        {
            return _lintLevels[pin]; // taken live from the 8259 at INTA
        }

        if (mode == DeliveryMode.Fixed && (lvt & LvtLevelTriggered) != 0)
        {
            // Level-triggered fixed LINT: delivered while asserted, once per EOI, tracked by remote IRR (SDM 12.5.1).
            if (!_lintLevels[pin] || (lvt & LvtRemoteIrr) != 0)
            {
                return false;
            }

            _lvt[(int)entry] |= LvtRemoteIrr;
            return RequestLocked((byte)lvt, levelTriggered: true);
        }

        return rising && SignalLocalLocked(entry);
    }

    /// <summary>A local interrupt source fired: deliver as its LVT entry says, unless masked (SDM 12.5.1).</summary>
    private bool SignalLocalLocked(LvtEntry entry)
    {
        uint lvt = _lvt[(int)entry];
        if ((lvt & LvtMasked) != 0)
        {
            return false;
        }

        var mode = entry is LvtEntry.Timer or LvtEntry.Error ? DeliveryMode.Fixed : (DeliveryMode)((lvt >> 8) & 7);
        switch (mode)
        {
            case DeliveryMode.Fixed:
                return RequestLocked((byte)lvt, levelTriggered: false);
            case DeliveryMode.Nmi:
                _nmiPending = true;
                return true;
            case DeliveryMode.Init when entry is LvtEntry.Lint0 or LvtEntry.Lint1:
                _initPending = true;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Sets IRR (and TMR for level) for a fixed vector; vectors 0-15 are illegal (SDM 12.5.2, 12.5.3).</summary>
    private bool RequestLocked(byte vector, bool levelTriggered)
    {
        if (vector < 16)
        {
            return NoteErrorLocked(ApicError.ReceivedIllegalVector);
        }

        Set(_irr, vector, true);
        Set(_tmr, vector, levelTriggered);
        return true;
    }

    /// <summary>Records an error and raises the error LVT interrupt (SDM 12.5.3); true when that set an IRR bit.</summary>
    private bool NoteErrorLocked(ApicError error)
    {
        _errorsPending |= (uint)error;
        uint lvt = _lvt[(int)LvtEntry.Error];

        // An error vector below 16 would itself be an error; it is not delivered, so errors cannot recurse.
        if ((lvt & LvtMasked) == 0 && (byte)lvt >= 16)
        {
            Set(_irr, (byte)lvt, true);
            Set(_tmr, (byte)lvt, false);
            return true;
        }

        return false;
    }
}
