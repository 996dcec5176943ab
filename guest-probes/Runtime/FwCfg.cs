namespace Rig.Guest;

/// <summary>
/// QEMU's firmware configuration device through its I/O ports (QEMU docs/specs/fw_cfg.txt): a 16-bit item selector
/// written to 0x510, the item's bytes read one at a time from 0x511, items little-endian, their numbers those of QEMU's
/// include/standard-headers/linux/qemu_fw_cfg.h. Xen's device model
/// (qemu-xen) creates it for an HVM domain only with direct kernel boot (hw/i386/pc.c xen_load_linux, called by
/// pc_init1 when xl's <c>kernel</c> is set), and x86_load_linux puts the domain's <c>cmdline</c> in it: that is how a
/// probe booted as <c>firmware_override</c>, whose hvm_start_info has no command line, gets its own.
/// </summary>
public static unsafe class FwCfg
{
    private const ushort SelectorPort = 0x510;
    private const ushort DataPort = 0x511;
    private const ushort SignatureItem = 0x00; // FW_CFG_SIGNATURE: "QEMU"
    private const ushort FeaturesItem = 0x01; // FW_CFG_ID: bit 0 (the traditional interface) is always set
    private const ushort CommandLineSizeItem = 0x14; // FW_CFG_CMDLINE_SIZE, with its NUL (0x13 is FW_CFG_CMDLINE_ADDR)
    private const ushort CommandLineDataItem = 0x15; // FW_CFG_CMDLINE_DATA
    private const uint MaxCommandLine = 4096;

    /// <summary>
    /// FW_CFG_ID as read after selecting it, for the boot record: 0 means the selector write did not take (the
    /// signature reads without one, item 0 being selected at QEMU's reset), so every later item read 0 too.
    /// </summary>
    public static uint Features { get; private set; }

    /// <summary>
    /// The command line QEMU was given, NUL-terminated on the heap; null without the device (<paramref name="present"/>
    /// false) or without a command line in it.
    /// </summary>
    public static byte* ReadCommandLine(out bool present)
    {
        Ports.Out16(SelectorPort, SignatureItem);
        present = Ports.In8(DataPort) == 'Q' && Ports.In8(DataPort) == 'E' && Ports.In8(DataPort) == 'M' && Ports.In8(DataPort) == 'U';
        if (!present)
        {
            return null;
        }
        Features = ReadUInt32(FeaturesItem);
        uint size = ReadUInt32(CommandLineSizeItem);
        if (size == 0 || size > MaxCommandLine)
        {
            return null;
        }
        byte* text = (byte*)Heap.Allocate(size + 1);
        Ports.Out16(SelectorPort, CommandLineDataItem);
        for (uint i = 0; i < size; i++)
        {
            text[i] = Ports.In8(DataPort);
        }
        text[size] = 0;
        return text;
    }

    private static uint ReadUInt32(ushort item)
    {
        Ports.Out16(SelectorPort, item);
        uint value = 0;
        for (int i = 0; i < 4; i++)
        {
            value |= (uint)Ports.In8(DataPort) << (8 * i);
        }
        return value;
    }
}
