namespace Rig.Hypervisor.Irq;

/// <summary>Everything the 8254 and port 0x61 hold, for snapshot save and revert (times relative to the save).</summary>
public sealed record PitState(PitChannelState[] Channels, byte PortB);

/// <summary>
/// One 8254 counter: its control word fields, the byte sequencing of reads and writes, latches, the count N and how long
/// it has been counting (<see cref="CountingForNs"/>), and a reload pending at the end of the period with how far ahead
/// it takes effect (<see cref="PendingInNs"/>, <see cref="long.MaxValue"/> when none).
/// </summary>
public sealed record PitChannelState(
    int Mode,
    bool Bcd,
    int Access,
    bool WriteHighNext,
    bool ReadHighNext,
    byte LowByteWritten,
    int Reload,
    bool Loaded,
    bool NullCount,
    long CountingForNs,
    int PendingReload,
    long PendingInNs,
    long? PausedTicks,
    bool Triggered,
    bool Gate,
    ushort? LatchedCount,
    bool LatchedHighNext,
    byte? LatchedStatus);
