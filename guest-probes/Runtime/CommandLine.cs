namespace Rig.Guest;

/// <summary>
/// `key=value` parameters, space-separated, from hvm_start_info.cmdline_paddr (docs/protocol.md). Unknown keys are
/// ignored. A Xen HVM domain entered by the domain builder in hvmloader's place has an hvm_start_info without one
/// (tools/libs/guest/xg_dom_x86.c bootlate_hvm writes cmdline_paddr only for a domain without a device model): there the
/// device model's fw_cfg carries it (<see cref="FwCfg"/>), read once by the BSP at boot.
/// </summary>
public static unsafe class CommandLine
{
    private const int MaxLength = 4096;

    private static byte* fromDeviceModel;

    // A code, not a string field: the runtime keeps no references in mutable statics (an assignment to one faulted).
    private static byte source;

    /// <summary>Where the command line came from, for the boot record.</summary>
    public static string Source => source switch
    {
        1 => "start-info",
        2 => "fw-cfg",
        3 => "no-fw-cfg",
        4 => "fw-cfg-without-cmdline",
        _ => "none",
    };

    /// <summary>The command line was looked for in fw_cfg (a Xen HVM domain), found there or not.</summary>
    public static bool FromDeviceModel => source is 2 or 4;

    public static byte* Text
    {
        get
        {
            StartInfo* info = Runtime.StartInfo;
            return info != null && info->CmdlinePaddr != 0 ? (byte*)info->CmdlinePaddr : fromDeviceModel;
        }
    }

    /// <summary>
    /// Reads the command line from fw_cfg when hvm_start_info has none and this is a Xen HVM domain (its hvm_info_table
    /// is there): the ports are touched nowhere else, so no other target sees an access to 0x510.
    /// </summary>
    internal static void Initialize()
    {
        StartInfo* info = Runtime.StartInfo;
        if (info != null && info->CmdlinePaddr != 0)
        {
            source = 1;
        }
        else if (HvmInfoTable.Present)
        {
            fromDeviceModel = FwCfg.ReadCommandLine(out bool devicePresent);
            source = fromDeviceModel != null ? (byte)2 : devicePresent ? (byte)4 : (byte)3;
        }
    }

    /// <summary>The value of <paramref name="key"/> as a decimal or 0x-hex number.</summary>
    public static bool TryGetNumber(string key, out ulong value)
    {
        value = 0;
        byte* v = Find(key);
        if (v == null)
        {
            return false;
        }
        bool hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
        int i = hex ? 2 : 0;
        int digits = 0;
        for (; v[i] != 0 && v[i] != ' '; i++, digits++)
        {
            ulong d = Digit(v[i]);
            if (d >= (hex ? 16UL : 10UL))
            {
                return false;
            }
            value = value * (hex ? 16UL : 10UL) + d;
        }
        return digits > 0;
    }

    public static ulong GetNumber(string key, ulong fallback) => TryGetNumber(key, out ulong v) ? v : fallback;

    /// <summary>True when the value of <paramref name="key"/> is exactly <paramref name="expected"/>.</summary>
    public static bool Is(string key, string expected)
    {
        byte* v = Find(key);
        if (v == null)
        {
            return false;
        }
        int i = 0;
        for (; i < expected.Length; i++)
        {
            if (v[i] != expected[i])
            {
                return false;
            }
        }
        return v[i] == 0 || v[i] == ' ';
    }

    private static ulong Digit(byte c) =>
        c >= '0' && c <= '9' ? (ulong)(c - '0') : c >= 'a' && c <= 'f' ? (ulong)(c - 'a' + 10) : c >= 'A' && c <= 'F' ? (ulong)(c - 'A' + 10) : 99;

    /// <summary>Start of the value for <paramref name="key"/>, or null.</summary>
    private static byte* Find(string key)
    {
        byte* s = Text;
        if (s == null)
        {
            return null;
        }
        int i = 0;
        while (i < MaxLength && s[i] != 0)
        {
            while (s[i] == ' ')
            {
                i++;
            }
            int start = i;
            int k = 0;
            while (k < key.Length && s[i] == key[k])
            {
                i++;
                k++;
            }
            if (k == key.Length && s[i] == '=')
            {
                return s + i + 1;
            }
            i = start;
            while (i < MaxLength && s[i] != 0 && s[i] != ' ')
            {
                i++;
            }
        }
        return null;
    }
}
