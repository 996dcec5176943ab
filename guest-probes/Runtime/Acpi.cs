namespace Rig.Guest;

/// <summary>
/// ACPI tables: finding one by signature, and the MADT's processor list (ACPI 6.5 sections 5.2.5 RSDP, 5.2.7/5.2.8
/// RSDT/XSDT, 5.2.12 MADT). The RSDP comes from hvm_start_info.rsdp_paddr, else from the BIOS area scan (5.2.5.1). Every
/// length read from a table is bounded: a malformed table yields fewer CPUs, never a wild read.
/// </summary>
public static unsafe class Acpi
{
    private const uint MaxTableLength = 1 << 20;

    /// <summary>Enabled processors in the MADT (local APIC and x2APIC entries), at least 1 (the BSP).</summary>
    public static int CpuCount()
    {
        uint* ids = stackalloc uint[64];
        int n = ApicIds(ids, 64);
        return n == 0 ? 1 : n;
    }

    /// <summary>
    /// Fills <paramref name="ids"/> with the APIC IDs of enabled processors; returns how many. Without a MADT, a Xen HVM
    /// domain booted in hvmloader's place (which would have built it) names them in its hvm_info_table.
    /// </summary>
    public static int ApicIds(uint* ids, int max)
    {
        byte* madt = FindTable('A', 'P', 'I', 'C');
        if (madt == null)
        {
            return HvmInfoTable.ApicIds(ids, max);
        }
        uint length = *(uint*)(madt + 4);
        int n = 0;
        for (uint at = 44; at + 2 <= length && n < max;)
        {
            byte type = madt[at];
            byte entryLength = madt[at + 1];
            if (entryLength < 2 || at + entryLength > length)
            {
                break;
            }
            if (type == 0 && entryLength >= 8 && (*(uint*)(madt + at + 4) & 1) != 0)
            {
                ids[n++] = madt[at + 3];
            }
            else if (type == 9 && entryLength >= 16 && (*(uint*)(madt + at + 8) & 1) != 0)
            {
                ids[n++] = *(uint*)(madt + at + 4);
            }
            at += entryLength;
        }
        return n;
    }

    public static byte* FindRsdp()
    {
        StartInfo* info = Runtime.StartInfo;
        if (info != null && info->RsdpPaddr != 0 && IsRsdp((byte*)info->RsdpPaddr))
        {
            return (byte*)info->RsdpPaddr;
        }
        for (ulong p = 0xE0000; p < 0x100000; p += 16)
        {
            if (IsRsdp((byte*)p))
            {
                return (byte*)p;
            }
        }
        return null;
    }

    private static bool IsRsdp(byte* p) =>
        p[0] == 'R' && p[1] == 'S' && p[2] == 'D' && p[3] == ' ' && p[4] == 'P' && p[5] == 'T' && p[6] == 'R' && p[7] == ' '
        && Checksum(p, 20) == 0;

    private static byte Checksum(byte* p, uint length)
    {
        byte sum = 0;
        for (uint i = 0; i < length; i++)
        {
            sum += p[i];
        }
        return sum;
    }

    /// <summary>The table with signature <paramref name="a"/>..<paramref name="d"/> whose checksum holds, or null.</summary>
    public static byte* FindTable(char a, char b, char c, char d)
    {
        byte* rsdp = FindRsdp();
        if (rsdp == null)
        {
            return null;
        }
        bool useXsdt = rsdp[15] >= 2 && *(ulong*)(rsdp + 24) != 0;
        byte* root = useXsdt ? (byte*)*(ulong*)(rsdp + 24) : (byte*)(ulong)*(uint*)(rsdp + 16);
        if (!IsValidTable(root))
        {
            return null;
        }
        uint entrySize = useXsdt ? 8u : 4u;
        uint count = (*(uint*)(root + 4) - 36) / entrySize;
        for (uint i = 0; i < count; i++)
        {
            byte* entry = root + 36 + i * entrySize;
            byte* table = useXsdt ? (byte*)*(ulong*)entry : (byte*)(ulong)*(uint*)entry;
            if (IsValidTable(table) && table[0] == a && table[1] == b && table[2] == c && table[3] == d)
            {
                return table;
            }
        }
        return null;
    }

    private static bool IsValidTable(byte* table)
    {
        if (table == null || (ulong)table >= 0x100000000)
        {
            return false;
        }
        uint length = *(uint*)(table + 4);
        return length >= 36 && length <= MaxTableLength && Checksum(table, length) == 0;
    }
}
