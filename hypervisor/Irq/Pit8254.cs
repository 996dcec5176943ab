using Rig.Hypervisor.Devices;

namespace Rig.Hypervisor.Irq;

/// <summary>
/// The 8254 programmable interval timer (Intel 8254 datasheet: control word, modes 0-5, counter latch and read-back
/// commands) at ports 0x40-0x43, clocked at 1.193182 MHz, plus port 0x61 (PC/AT system control port B: bit 0 gate of
/// channel 2, bit 5 channel 2's OUT, bit 4 the refresh toggle). Counts and outputs are computed from elapsed host time,
/// never ticked, so a guest calibrating its TSC against channel 2 reads true time. Channel 0's OUT drives IRQ0, which
/// the core wires to PIC IR0 and IOAPIC pin 2 (the MADT's IRQ0→GSI2 override).
/// </summary>
public sealed class Pit8254 : IPortDevice, IPersistentDevice<PitState>
{
    public const long InputHz = 1_193_182;

    // Periodic IRQ0 expiries closer than this are merged (the PIC holds one request per line anyway); it keeps a count
    // of 1 from spinning the timer thread.
    private const long MinPeriodicFiringNs = 100_000;

    // DRAM refresh request period on PC/AT-compatible port 0x61 bit 4.
    private const long RefreshToggleNs = 15_085;

    private readonly Lock _lock = new();
    private readonly IGuestClock _clock;
    private readonly Action<bool> _irq0;
    private readonly TimerQueue.Timer _irq0Timer;
    private Channel[] _channels;
    private long _irq0DeadlineNs = long.MaxValue;
    private byte _portB;

    public Pit8254(IGuestClock clock, TimerQueue timers, Action<bool> irq0)
    {
        _clock = clock;
        _irq0 = irq0;
        _irq0Timer = timers.Create(OnIrq0Deadline);
        _channels = NewChannels();
    }

    public IReadOnlyList<(ushort First, ushort Count)> Ports { get; } = [(0x40, 4), (0x61, 1)];

    /// <summary>RESET: counters unprogrammed, channel 2's gate low, no IRQ0 edges until a guest programs channel 0.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _channels = NewChannels();
            _portB = 0;
            _irq0DeadlineNs = long.MaxValue;
            _irq0Timer.Disarm();
        }
    }

    private static Channel[] NewChannels() => [new(gate: true), new(gate: true), new(gate: false)];

    public PitState Save()
    {
        lock (_lock)
        {
            long now = _clock.NowNs;
            return new PitState([.. _channels.Select(c => c.Save(now))], _portB);
        }
    }

    public void Restore(PitState state)
    {
        if (state.Channels.Length != 3 || state.Channels.Any(c => c.Mode is < 0 or > 5 || c.Access is < 0 or > 3 || c.Reload is < 0 or > 0x10000))
        {
            throw new ArgumentException("PIT state needs three channels with a mode 0-5, an access mode and a count up to 0x10000", nameof(state));
        }

        lock (_lock)
        {
            long now = _clock.NowNs;
            _channels = [.. state.Channels.Select(c => Channel.Restore(c, now))];
            _portB = state.PortB;
            _irq0DeadlineNs = long.MaxValue;
            _irq0Timer.Disarm();
            RearmIrq0Locked(now);
        }
    }

    public uint Read(ushort port, int size)
    {
        lock (_lock)
        {
            long now = _clock.NowNs;
            return port switch
            {
                0x61 => _portB | (uint)((now / RefreshToggleNs) & 1) << 4 | (_channels[2].Output(now) ? 0x20u : 0),
                0x43 => 0xFF, // the control word register cannot be read
                _ => _channels[port - 0x40].ReadByte(now),
            };
        }
    }

    public void Write(ushort port, int size, uint value)
    {
        lock (_lock)
        {
            long now = _clock.NowNs;
            switch (port)
            {
                case 0x43:
                    WriteControlLocked((byte)value, now);
                    break;
                case 0x61:
                    // Bits 0-3 are writable (gate 2, speaker data, parity and channel-check enables); 4-7 are status.
                    _portB = (byte)(value & 0x0F);
                    _channels[2].SetGate((value & 1) != 0, now);
                    break;
                default:
                    _channels[port - 0x40].WriteByte((byte)value, now);
                    break;
            }

            if (port is 0x40 or 0x43)
            {
                RearmIrq0Locked(now);
            }
        }
    }

    private void WriteControlLocked(byte value, long now)
    {
        int select = value >> 6;
        if (select == 3)
        {
            // Read-back (8254 datasheet "Read-Back Command"): bit 5 low latches counts, bit 4 low latches status,
            // bits 3:1 select channels 2:0.
            for (int channel = 0; channel < 3; channel++)
            {
                if ((value & (2 << channel)) != 0)
                {
                    _channels[channel].Latch(now, count: (value & 0x20) == 0, status: (value & 0x10) == 0);
                }
            }

            return;
        }

        var target = _channels[select];
        if ((value & 0x30) == 0)
        {
            target.Latch(now, count: true, status: false); // counter latch command
        }
        else
        {
            target.Program(value);
        }
    }

    private void RearmIrq0Locked(long now)
    {
        long next = _channels[0].NextRisingEdgeNs(now);
        if (next == _irq0DeadlineNs)
        {
            return;
        }

        _irq0DeadlineNs = next;
        if (next == long.MaxValue)
        {
            _irq0Timer.Disarm();
        }
        else
        {
            _irq0Timer.Arm(next);
        }
    }

    private void OnIrq0Deadline(long deadline)
    {
        lock (_lock)
        {
            if (deadline != _irq0DeadlineNs)
            {
                return;
            }

            // The next edge after this one, at least MinPeriodicFiringNs later; periodic modes stay in phase.
            long now = _clock.NowNs;
            _irq0DeadlineNs = long.MaxValue;
            RearmIrq0Locked(Math.Max(now, deadline + MinPeriodicFiringNs - 1));
        }

        // OUT's rising edge: the PIC and IOAPIC inputs are edge-triggered, so a pulse is the edge.
        _irq0(true);
        _irq0(false);
    }

    private static long TicksBetween(long fromNs, long toNs) => (long)((Int128)(toNs - fromNs) * InputHz / 1_000_000_000);

    private static long NsForTicks(long ticks) => (long)(((Int128)ticks * 1_000_000_000 + InputHz - 1) / InputHz);

    /// <summary>
    /// One counter. The count is a function of time since counting began (<see cref="_startNs"/>) and the reload value
    /// N; a new count written in modes 2 and 3 while counting takes effect at the end of the current period (datasheet),
    /// kept as a pending reload with its switch time.
    /// </summary>
    private sealed class Channel(bool gate)
    {
        private int _mode;
        private bool _bcd;
        private int _access = 3;
        private bool _writeHighNext;
        private bool _readHighNext;
        private byte _lowByteWritten;
        private int _reload;
        private bool _loaded;
        private bool _nullCount;
        private long _startNs;
        private int _pendingReload;
        private long _pendingStartNs = long.MaxValue;
        private long? _pausedTicks;
        private bool _triggered;
        private bool _gate = gate;
        private ushort? _latchedCount;
        private bool _latchedHighNext;
        private byte? _latchedStatus;

        private int Modulus => _bcd ? 10_000 : 0x10000;

        public PitChannelState Save(long now) => new(
            _mode, _bcd, _access, _writeHighNext, _readHighNext, _lowByteWritten, _reload, _loaded, _nullCount, now - _startNs,
            _pendingReload, _pendingStartNs == long.MaxValue ? long.MaxValue : _pendingStartNs - now, _pausedTicks, _triggered,
            _gate, _latchedCount, _latchedHighNext, _latchedStatus);

        public static Channel Restore(PitChannelState s, long now) => new(s.Gate)
        {
            _mode = s.Mode,
            _bcd = s.Bcd,
            _access = s.Access,
            _writeHighNext = s.WriteHighNext,
            _readHighNext = s.ReadHighNext,
            _lowByteWritten = s.LowByteWritten,
            _reload = s.Reload,
            _loaded = s.Loaded,
            _nullCount = s.NullCount,
            _startNs = now - s.CountingForNs,
            _pendingReload = s.PendingReload,
            _pendingStartNs = s.PendingInNs == long.MaxValue ? long.MaxValue : now + s.PendingInNs,
            _pausedTicks = s.PausedTicks,
            _triggered = s.Triggered,
            _latchedCount = s.LatchedCount,
            _latchedHighNext = s.LatchedHighNext,
            _latchedStatus = s.LatchedStatus,
        };

        /// <summary>Control word with RW ≠ 00: new access mode, mode and BCD; the counter waits for a count.</summary>
        public void Program(byte control)
        {
            _access = (control >> 4) & 3;
            _mode = (control >> 1) & 7;
            if (_mode > 5)
            {
                _mode -= 4; // modes 6 and 7 are aliases of 2 and 3
            }

            _bcd = (control & 1) != 0;
            _writeHighNext = false;
            _readHighNext = false;
            _loaded = false;
            _nullCount = true;
            _triggered = false;
            _pausedTicks = null;
            _pendingStartNs = long.MaxValue;
            _latchedCount = null;
            _latchedStatus = null;
        }

        public void Latch(long now, bool count, bool status)
        {
            // A second latch before the first is read is ignored (datasheet).
            if (count && _latchedCount is null)
            {
                _latchedCount = Encode(Count(now));
                _latchedHighNext = false;
            }

            if (status && _latchedStatus is null)
            {
                _latchedStatus = (byte)((Output(now) ? 0x80 : 0) | (_nullCount ? 0x40 : 0) | (_access << 4) | (_mode << 1) | (_bcd ? 1 : 0));
            }
        }

        public byte ReadByte(long now)
        {
            if (_latchedStatus is { } status)
            {
                _latchedStatus = null;
                return status;
            }

            ushort value;
            bool high;
            if (_latchedCount is { } latched)
            {
                value = latched;
                high = _access == 2 || (_access == 3 && _latchedHighNext);
                _latchedHighNext = !_latchedHighNext;
                if (_access != 3 || !_latchedHighNext)
                {
                    _latchedCount = null;
                }
            }
            else
            {
                value = Encode(Count(now));
                high = _access == 2 || (_access == 3 && _readHighNext);
                if (_access == 3)
                {
                    _readHighNext = !_readHighNext;
                }
            }

            return high ? (byte)(value >> 8) : (byte)value;
        }

        public void WriteByte(byte value, long now)
        {
            int raw;
            switch (_access)
            {
                case 1:
                    raw = value;
                    break;
                case 2:
                    raw = value << 8;
                    break;
                default:
                    if (!_writeHighNext)
                    {
                        _lowByteWritten = value;
                        _writeHighNext = true;
                        if (_mode == 0)
                        {
                            _loaded = false; // mode 0: writing the first byte stops the count and drives OUT low
                        }

                        return;
                    }

                    _writeHighNext = false;
                    raw = _lowByteWritten | (value << 8);
                    break;
            }

            Load(Decode(raw), now);
        }

        public void SetGate(bool level, long now)
        {
            bool rising = level && !_gate;
            bool falling = !level && _gate;
            if (falling && _mode is 0 or 4 && _loaded)
            {
                _pausedTicks = Ticks(now); // modes 0 and 4: gate low suspends counting
            }

            _gate = level;
            if (!rising || !_loaded)
            {
                return;
            }

            if (_mode is 0 or 4 && _pausedTicks is { } paused)
            {
                _startNs = now - NsForTicks(paused);
                _pausedTicks = null;
            }
            else if (_mode is 1 or 2 or 3 or 5)
            {
                // Modes 1 and 5 trigger on the rising edge; modes 2 and 3 reload and restart on it.
                PromotePending(now);
                _startNs = now;
                _triggered = true;
            }
        }

        /// <summary>The OUT pin (datasheet, "Mode Definitions").</summary>
        public bool Output(long now)
        {
            if (!_loaded)
            {
                return _mode != 0; // after the control word OUT is low in mode 0, high in the others
            }

            PromotePending(now);
            long t = Ticks(now);
            long n = _reload;
            return _mode switch
            {
                0 => t >= n,
                1 => !_triggered || t >= n,
                2 => !_gate || n < 2 || t % n != n - 1,
                3 => !_gate || t % n < (n + 1) / 2,
                4 => t != n,
                _ => !_triggered || t != n,
            };
        }

        /// <summary>The next host time OUT rises, for IRQ0: once in modes 0 and 4, every N in modes 2 and 3.</summary>
        public long NextRisingEdgeNs(long afterNs)
        {
            if (!_loaded || _pausedTicks is not null || !_gate)
            {
                return long.MaxValue;
            }

            PromotePending(afterNs);
            long t = Math.Max(0, TicksBetween(_startNs, afterNs));
            long n = _reload;
            long edgeTick = _mode switch
            {
                0 or 4 when t < n => n,
                2 or 3 => ((t / n) + 1) * n,
                _ => -1,
            };
            if (edgeTick < 0)
            {
                return long.MaxValue;
            }

            long edgeNs = _startNs + NsForTicks(edgeTick);
            return _pendingStartNs != long.MaxValue ? Math.Min(edgeNs, _pendingStartNs) : edgeNs;
        }

        private long Ticks(long now) => _pausedTicks ?? Math.Max(0, TicksBetween(_startNs, now));

        private int Count(long now)
        {
            if (!_loaded)
            {
                return _reload % Modulus;
            }

            PromotePending(now);
            long t = Ticks(now);
            long n = _reload;
            return _mode switch
            {
                2 when _gate => (int)(n - (t % n)),
                // Mode 3 counts down by two through each half period (datasheet, mode 3).
                3 when _gate => (int)(Math.Max(2, (n & ~1L) - (2 * (t % n < (n + 1) / 2 ? t % n : (t % n) - ((n + 1) / 2))))),
                2 or 3 => (int)(n % Modulus),
                1 or 5 when !_triggered => (int)(n % Modulus),
                _ => (int)(((n - t) % Modulus + Modulus) % Modulus),
            };
        }

        private void Load(int reload, long now)
        {
            _nullCount = false;
            if (_loaded && _mode is 2 or 3 && _gate)
            {
                // Modes 2 and 3: the new count is used from the end of the current period.
                PromotePending(now);
                long t = Ticks(now);
                _pendingReload = reload;
                _pendingStartNs = _startNs + NsForTicks(((t / _reload) + 1) * _reload);
                return;
            }

            _reload = reload;
            _loaded = true;
            _startNs = now;
            _pausedTicks = _gate || _mode is not (0 or 4) ? null : 0;
            _triggered = false;
        }

        private void PromotePending(long now)
        {
            if (now >= _pendingStartNs)
            {
                _reload = _pendingReload;
                _startNs = _pendingStartNs;
                _pendingStartNs = long.MaxValue;
            }
        }

        private int Decode(int raw)
        {
            if (!_bcd)
            {
                return raw == 0 ? 0x10000 : raw;
            }

            // Four BCD digits; a digit above 9 (hostile guest) still counts as its binary value.
            int value = ((raw >> 12) & 0xF) * 1000 + ((raw >> 8) & 0xF) * 100 + ((raw >> 4) & 0xF) * 10 + (raw & 0xF);
            return value == 0 ? 10_000 : value;
        }

        private ushort Encode(int count)
        {
            if (!_bcd)
            {
                return (ushort)count;
            }

            count %= 10_000;
            return (ushort)(((count / 1000) << 12) | ((count / 100 % 10) << 8) | ((count / 10 % 10) << 4) | (count % 10));
        }
    }
}
