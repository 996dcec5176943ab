using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Rig.Hypervisor.Defects;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Writes every vcpu_time_info rig-hv publishes, the Xen clock's and kvmclock's (one layout), by the version protocol
/// of <see cref="VersionedRecord"/>. An update is written in two halves, tsc_timestamp first: for time.torn-record the
/// reference can hold each update between its halves (<see cref="UpdateHold"/>), so a guest reader is sure to meet a
/// half-written record instead of waiting for the nanoseconds a write takes. A reader that follows the protocol sees
/// an odd version there and retries. The seeded defect pvclock-torn-update is the publisher that advances the version
/// once, to its next even value, before writing the fields: the half-written record then reads as settled.
/// </summary>
public sealed class TimeRecordWriter
{
    /// <summary>A hold longer than this would stall the clock's lock, and every vCPU exit behind it, for no more evidence.</summary>
    public static readonly TimeSpan MaximumHold = TimeSpan.FromMilliseconds(10);

    private readonly DefectSet _defects;
    private readonly Action<TimeSpan> _wait;
    private long _holdTicks;

    public TimeRecordWriter(DefectSet defects)
        : this(defects, Thread.Sleep)
    {
    }

    /// <summary>With the hold's <paramref name="wait"/> given, so a test can look at the record while it is half written.</summary>
    internal TimeRecordWriter(DefectSet defects, Action<TimeSpan> wait)
    {
        _defects = defects;
        _wait = wait;
    }

    /// <summary>How long each update stays half written (zero: written at once, as normally).</summary>
    public TimeSpan UpdateHold
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _holdTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaximumHold);
            Interlocked.Exchange(ref _holdTicks, value.Ticks);
        }
    }

    /// <summary>Publishes one record: version odd, tsc_timestamp, (hold), the other fields, version even.</summary>
    public void Publish(Span<byte> area, in VcpuTimeInfo info)
    {
        Span<byte> version = area.Slice(VcpuTimeInfo.VersionOffset, sizeof(uint));
        bool torn = _defects.IsOn(DefectCatalog.PvclockTornUpdate);
        if (torn)
        {
            AdvanceOnce(version);
        }
        else
        {
            VersionedRecord.BeginUpdate(version);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(area[VcpuTimeInfo.TscTimestampOffset..], info.TscTimestamp);
        TimeSpan hold = UpdateHold;
        if (hold > TimeSpan.Zero)
        {
            _wait(hold);
        }

        info.WriteFieldsTo(area[..VcpuTimeInfo.Size]);
        if (!torn)
        {
            VersionedRecord.EndUpdate(version);
        }
    }

    /// <summary>The defect's version step: straight to the next even value, so no reader ever sees the update in progress.</summary>
    private static void AdvanceOnce(Span<byte> versionField)
    {
        ref uint version = ref MemoryMarshal.AsRef<uint>(versionField);
        Volatile.Write(ref version, (Volatile.Read(ref version) + 2) & ~1u);
        Interlocked.MemoryBarrier();
    }
}
