using System.Buffers.Binary;

namespace Rig.Hypervisor.Xen;

/// <summary>
/// Where the guest reads Xen time: the shared_info page (vcpu_info[v].time for the first 32 vCPUs, and the
/// wallclock), placed by XENMEM_add_to_physmap, and each vCPU's optional secondary copy registered with
/// VCPUOP_register_vcpu_time_memory_area. Unlike Xen, whose shared_info is a page of its own swapped into the guest's
/// physical map, rig-hv's lives in the guest RAM page the guest named; and a registered area's address is translated
/// once, at registration, because another vCPU's page tables cannot be walked while it runs.
/// </summary>
public sealed class SharedInfoPublisher
{
    private readonly IXenGuestMemory _memory;
    private readonly TimeRecordWriter _records;
    private readonly ulong?[] _timeAreas;
    private readonly Lock _sync = new();
    private ulong? _sharedInfo;

    public SharedInfoPublisher(IXenGuestMemory memory, int vcpuCount, TimeRecordWriter records)
    {
        _memory = memory;
        _records = records;
        _timeAreas = new ulong?[vcpuCount];
    }

    public ulong? SharedInfoGpa
    {
        get
        {
            lock (_sync)
            {
                return _sharedInfo;
            }
        }
    }

    public ulong? TimeAreaGpa(int vcpu)
    {
        lock (_sync)
        {
            return _timeAreas[vcpu];
        }
    }

    /// <summary>
    /// Puts shared_info at <paramref name="gpa"/> (page aligned). A first mapping starts from a zeroed page holding
    /// the wallclock; a move carries the old page's contents along (event-channel bits included), as Xen's page moves
    /// with its contents. False when the page is not guest RAM.
    /// </summary>
    public bool MapSharedInfo(ulong gpa, long bootRealtimeNanoseconds)
    {
        lock (_sync)
        {
            Span<byte> page = _memory.Physical(gpa, SharedInfoLayout.PageSize);
            if (page.Length != SharedInfoLayout.PageSize)
            {
                return false;
            }

            Span<byte> old = _sharedInfo is ulong oldGpa ? _memory.Physical(oldGpa, SharedInfoLayout.PageSize) : [];
            if (old.Length == SharedInfoLayout.PageSize)
            {
                byte[] contents = old.ToArray();
                contents.CopyTo(page);
            }
            else
            {
                page.Clear();
                WriteWallclock(page, bootRealtimeNanoseconds);
            }

            _sharedInfo = gpa;
            return true;
        }
    }

    /// <summary>Registers (or, with null, forgets) <paramref name="vcpu"/>'s secondary time record at a guest-physical address.</summary>
    public void SetTimeArea(int vcpu, ulong? gpa)
    {
        lock (_sync)
        {
            _timeAreas[vcpu] = gpa;
        }
    }

    /// <summary>Restores the placement a snapshot recorded; guest RAM, and so the records' contents, is restored by the VMM.</summary>
    public void Restore(ulong? sharedInfoGpa, IReadOnlyList<ulong?> timeAreas)
    {
        lock (_sync)
        {
            _sharedInfo = sharedInfoGpa;
            for (int vcpu = 0; vcpu < _timeAreas.Length; vcpu++)
            {
                _timeAreas[vcpu] = vcpu < timeAreas.Count ? timeAreas[vcpu] : null;
            }
        }
    }

    /// <summary>Writes <paramref name="info"/> to every place <paramref name="vcpu"/>'s guest reads time from.</summary>
    public void Publish(int vcpu, VcpuTimeInfo info)
    {
        lock (_sync)
        {
            if (_sharedInfo is ulong shared && vcpu < SharedInfoLayout.LegacyMaxVcpus)
            {
                Span<byte> area = _memory.Physical(shared + (ulong)SharedInfoLayout.VcpuTimeOffset(vcpu), VcpuTimeInfo.Size);
                if (area.Length == VcpuTimeInfo.Size)
                {
                    _records.Publish(area, info);
                }
            }

            if (_timeAreas[vcpu] is ulong secondary)
            {
                Span<byte> area = _memory.Physical(secondary, VcpuTimeInfo.Size);
                if (area.Length == VcpuTimeInfo.Size)
                {
                    _records.Publish(area, info);
                }
            }
        }
    }

    /// <summary>
    /// shared_info's wallclock: the wall time at system time 0, under wc_version with the same odd/even protocol
    /// (xen.h: "wc_version ... if odd, an update is in progress").
    /// </summary>
    private static void WriteWallclock(Span<byte> page, long bootRealtimeNanoseconds)
    {
        Span<byte> version = page.Slice(SharedInfoLayout.WallclockVersionOffset, sizeof(uint));
        VersionedRecord.BeginUpdate(version);
        ulong seconds = (ulong)(bootRealtimeNanoseconds / 1_000_000_000);
        uint nanoseconds = (uint)(bootRealtimeNanoseconds % 1_000_000_000);
        BinaryPrimitives.WriteUInt32LittleEndian(page[SharedInfoLayout.WallclockSecondsOffset..], (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(page[SharedInfoLayout.WallclockNanosecondsOffset..], nanoseconds);
        BinaryPrimitives.WriteUInt32LittleEndian(page[SharedInfoLayout.WallclockSecondsHighOffset..], (uint)(seconds >> 32));
        VersionedRecord.EndUpdate(version);
    }
}
