using System.Runtime.InteropServices;

namespace Rig.Guest;

/// <summary>hvm_start_info, Xen public/arch-x86/hvm/start_info.h (version 1 adds the memory map).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct StartInfo
{
    public const uint ExpectedMagic = 0x336ec578;

    public uint Magic;
    public uint Version;
    public uint Flags;
    public uint ModuleCount;
    public ulong ModuleListPaddr;
    public ulong CmdlinePaddr;
    public ulong RsdpPaddr;
    public ulong MemoryMapPaddr;
    public uint MemoryMapEntries;
    public uint Reserved;
}

/// <summary>hvm_memmap_table_entry: addr, size, type (1 = RAM, E820 numbering), reserved.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MemoryMapEntry
{
    public ulong Address;
    public ulong Size;
    public uint Type;
    public uint Reserved;
}
